/**
 * The agent's end of the control channel: answers the hub's requests (typed,
 * closed: nothing here runs a command) and applies the desired state the hub
 * pushes, kept across restarts (desired.ts). The first item kind is the
 * metrics interval; the agent's metrics loop follows {@link AgentControl.intervalS}.
 * The requests: agent info, the host's top processes (processes.ts), and
 * the actions its own files allow, run only on an operator's grant (actions/).
 */
import {
  type Check,
  ControlError_Code,
  type ControlRequest,
  type ControlResponse,
  type DesiredState,
  type LogSource,
  type TopProcesses,
} from "../proto/gen/sightline/agent/v1/agent_lean.ts";
import { AGENT_VERSION } from "../lib/link.ts";
import type { Logger } from "../lib/log.ts";
import { DesiredStore, type Held } from "./desired.ts";
import type { Wal } from "./wal.ts";
import type { LinkControl } from "./transport.ts";
import { topProcesses } from "./processes.ts";
import type { AgentActions } from "./actions/mod.ts";

/** The item key of the metrics interval (hub/control/desired.ts pushes it). */
const INTERVAL_ITEM = "metrics.interval";
/** Item keys of checks (hub/probes pushes one per check). */
const CHECK_ITEM_PREFIX = "check:";
/** An interval from the hub outside this range is not applied (the host decides). */
const INTERVAL_RANGE = { min: 1, max: 3600 };

/** What the control channel needs of the agent. */
export interface ControlOptions {
  wal: Wal;
  configuredIntervalS: number;
  collectors: string[];
  /** Appends a full package inventory to the WAL and returns its seq (jobs/packages.ts). */
  packages?: { resync(): Promise<number> };
  /** The filesystem root (for etc/passwd) and where proc is mounted. */
  roots: { root: string; procRoot: string };
  log: Logger;
  /** Actions (issue 20); without them every action request is answered UNSUPPORTED. */
  actions?: AgentActions;
}

/** What the agent answers and holds. */
export class AgentControl implements LinkControl {
  #held: Held;
  #listeners = new Set<(intervalS: number) => void>();
  #checkListeners = new Set<(checks: Check[]) => void>();
  /** Pushes apply one at a time, in the order they came. */
  #applying: Promise<void> = Promise.resolve();
  /** The process sample in progress: requests that come meanwhile (alerts firing together) share it. */
  #sampling: Promise<TopProcesses> | null = null;

  private constructor(
    private store: DesiredStore,
    held: Held,
    private opts: ControlOptions,
  ) {
    this.#held = held;
  }

  /** Loads the desired state the agent identity `agentId` holds. */
  static async open(agentId: string, opts: ControlOptions): Promise<AgentControl> {
    const store = new DesiredStore(opts.wal.kv, agentId, AGENT_VERSION);
    return new AgentControl(store, await store.load(), opts);
  }

  /** The desired-state version held, for Hello. */
  desiredVersion(): number {
    return this.#held.version;
  }

  /** The metrics interval in force: the hub's when it set one in range, else the agent's own. */
  intervalS(): number {
    const item = this.#held.items.get(INTERVAL_ITEM)?.value;
    if (item?.case !== "metricsInterval") return this.opts.configuredIntervalS;
    const s = item.value.seconds;
    return s >= INTERVAL_RANGE.min && s <= INTERVAL_RANGE.max ? s : this.opts.configuredIntervalS;
  }

  /** The log sources the hub set (items `log_source:<id>`), files and the journal. */
  logSources(): LogSource[] {
    const out: LogSource[] = [];
    for (const item of this.#held.items.values()) {
      if (item.value.case === "logSource" && item.value.value.id) out.push(item.value.value);
    }
    return out;
  }

  /** Calls `fn` with the new interval whenever a push changes it. */
  onIntervalChange(fn: (intervalS: number) => void): void {
    this.#listeners.add(fn);
  }

  /** The checks the hub assigned this agent (agent/jobs/checks.ts runs them). */
  checks(): Check[] {
    const out: Check[] = [];
    for (const [key, item] of this.#held.items) {
      if (key.startsWith(CHECK_ITEM_PREFIX) && item.value?.case === "check") {
        out.push(item.value.value);
      }
    }
    return out;
  }

  /** Calls `fn` with every check held after each push (the runner keeps what did not change). */
  onChecksChange(fn: (checks: Check[]) => void): void {
    this.#checkListeners.add(fn);
  }

  /** Stores a push, then applies it. */
  apply(push: DesiredState): Promise<void> {
    // Pushes apply one after another; one that failed (its caller logged it)
    // must not keep every later one from applying.
    this.#applying = this.#applying.catch(() => {}).then(async () => {
      const before = this.intervalS();
      this.#held = await this.store.apply(this.#held, push);
      const after = this.intervalS();
      this.opts.log.info("Applied desired state", {
        version: push.version,
        full: push.full,
        interval_s: after,
        checks: this.checks().length,
      });
      const asked = this.#held.items.get(INTERVAL_ITEM)?.value;
      if (asked?.case === "metricsInterval" && after !== asked.value.seconds) {
        this.opts.log.warn("Ignoring the hub's metrics interval: out of range", {
          asked: asked.value.seconds,
        });
      }
      if (after !== before) { for (const fn of this.#listeners) fn(after); }
      const checks = this.checks();
      for (const fn of this.#checkListeners) fn(checks);
    });
    return this.#applying;
  }

  #topProcesses(): Promise<TopProcesses> {
    this.#sampling ??= topProcesses(this.opts.roots).finally(() => (this.#sampling = null));
    return this.#sampling;
  }

  /** Answers one request; a body this agent does not know gets UNSUPPORTED. */
  async answer(req: ControlRequest): Promise<ControlResponse> {
    const id = req.id;
    try {
      switch (req.body.case) {
        case "agentInfo":
          return {
            id,
            result: {
              case: "agentInfo",
              value: {
                agentVersion: AGENT_VERSION,
                uptimeS: performance.now() / 1000,
                hostUptimeS: Deno.osUptime(),
                pid: Deno.pid,
                walPendingBatches: await this.opts.wal.pending(),
                collectors: this.opts.collectors,
                metricsIntervalS: this.intervalS(),
                desiredVersion: this.#held.version,
              },
            },
          };
        case "topProcesses":
          return {
            id,
            result: { case: "topProcesses", value: await this.#topProcesses() },
          };
        case "action": {
          const actions = this.opts.actions;
          const op = req.body.value.op;
          if (!actions || op.case === undefined) break;
          const value = op.case === "list"
            ? { outcome: { case: "list" as const, value: await actions.list() } }
            : { outcome: { case: "result" as const, value: await actions.run(op.value) } };
          return { id, result: { case: "action", value } };
        }
        case "packagesResync":
          if (!this.opts.packages) break;
          return {
            id,
            result: {
              case: "packagesResync",
              value: { seq: await this.opts.packages.resync() },
            },
          };
        case undefined:
          break;
      }
      return {
        id,
        result: {
          case: "error",
          value: { code: ControlError_Code.UNSUPPORTED, message: "unknown request" },
        },
      };
    } catch (err) {
      return {
        id,
        result: {
          case: "error",
          value: { code: ControlError_Code.FAILED, message: (err as Error).message },
        },
      };
    }
  }
}
