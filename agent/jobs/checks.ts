/**
 * The checks job: runs the checks the hub assigned (desired-state items
 * `check:<id>`), each on its own interval from a jittered start, so a fleet
 * told of a check at once does not hit its target at once. Results gather
 * in memory and go to the WAL as one `AgentMessage{checks}` batch every few
 * seconds, through the same sequence as metrics: an agent cut off from its
 * hub keeps checking, and the WAL delivers the rounds on reconnect.
 *
 * One long-running job holding a timer per check, not a scheduler job per
 * check: checks come and go with every push, and a round that outlasts its
 * interval is skipped the same way the scheduler skips a tick.
 */
import type { Logger } from "../../lib/log.ts";
import {
  type Check,
  type CheckResult,
  createCheckResult,
  createCheckTimings,
  encodeCheck,
} from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { type ProbeResult, runProbe } from "../probes/mod.ts";
import type { Job } from "../scheduler.ts";
import type { Wal } from "../wal.ts";
import { encodeCheckResults } from "../wire.ts";

/** A check's interval the agent accepts from the hub (the host decides). */
export const CHECK_INTERVAL_S = { min: 5, max: 86_400 };
/** A round's timeout, within its interval. */
export const CHECK_TIMEOUT_S = { min: 1, max: 120 };
const DEFAULT_FLUSH_MS = 5000;
/** A batch holds at most this many results; more are flushed at once. */
const MAX_BATCH = 500;

export interface ChecksDeps {
  wal: Wal;
  sender: { notify(): void };
  log: Logger;
  /** How often gathered results go to the WAL. */
  flushMs?: number;
  random?: () => number;
}

interface Running {
  check: Check;
  /** The check as encoded, to tell a changed check from the same one pushed again. */
  bytes: string;
  timer?: ReturnType<typeof setTimeout>;
  round: Promise<void> | null;
  abort: AbortController;
  skipped: number;
}

export class ChecksRunner {
  #running = new Map<string, Running>();
  #pending: CheckResult[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #stopped = false;
  #random: () => number;

  constructor(private deps: ChecksDeps) {
    this.#random = deps.random ?? Math.random;
  }

  /** The ids of the checks running now. */
  ids(): string[] {
    return [...this.#running.keys()];
  }

  /**
   * Runs exactly `checks` from now on: a new or changed check starts (from a
   * jittered first round), one no longer given stops, the same one goes on.
   */
  set(checks: Check[]): void {
    if (this.#stopped) return;
    const wanted = new Map<string, Check>();
    for (const c of checks) {
      const why = invalid(c);
      if (why) this.deps.log.warn("Ignoring a check the hub pushed", { check: c.id, reason: why });
      else wanted.set(c.id, c);
    }
    for (const [id, r] of this.#running) {
      const next = wanted.get(id);
      if (!next || key(next) !== r.bytes) this.#end(id, r);
    }
    for (const [id, check] of wanted) {
      if (!this.#running.has(id)) this.#begin(check);
    }
  }

  /** The job that flushes gathered results and, when the agent stops, ends every check. */
  job(): Job {
    return {
      name: "checks",
      schedule: { kind: "long-running" },
      run: async (signal) => {
        const every = this.deps.flushMs ?? DEFAULT_FLUSH_MS;
        const timer = setInterval(() => void this.flush(), every);
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
        clearInterval(timer);
        await this.stop();
      },
    };
  }

  /** Ends every check (rounds in flight are told to abort) and flushes what they gave. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const rounds = [...this.#running.entries()].map(([id, r]) => {
      this.#end(id, r);
      return r.round;
    });
    await Promise.all(rounds);
    await this.flush();
  }

  /** Appends the results gathered so far to the WAL as one batch and wakes the link. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      while (this.#pending.length) {
        const results = this.#pending.splice(0, MAX_BATCH);
        try {
          const seq = await this.deps.wal.append((s) => encodeCheckResults(s, Date.now(), results));
          this.deps.log.debug("Check results queued", { seq, results: results.length });
        } catch (err) {
          // The WAL closed under us (the agent stopping): these rounds are lost, said once.
          this.deps.log.warn("Cannot queue check results", {
            results: results.length,
            error: err,
          });
          return;
        }
        this.deps.sender.notify();
      }
    });
    return this.#flushing;
  }

  #begin(check: Check): void {
    const everyMs = check.intervalS * 1000;
    const r: Running = {
      check,
      bytes: key(check),
      round: null,
      abort: new AbortController(),
      skipped: 0,
    };
    this.#running.set(check.id, r);
    let tick = Date.now() + Math.floor(this.#random() * everyMs);
    const arm = () => {
      r.timer = setTimeout(() => {
        if (r.round) r.skipped++;
        else r.round = this.#round(r).finally(() => (r.round = null));
        tick += everyMs;
        // Behind by more than an interval (a suspended host): on from now, not a burst.
        if (tick < Date.now()) tick = Date.now() + everyMs;
        arm();
      }, Math.max(0, tick - Date.now()));
    };
    arm();
  }

  #end(id: string, r: Running): void {
    clearTimeout(r.timer);
    r.abort.abort();
    this.#running.delete(id);
  }

  async #round(r: Running): Promise<void> {
    const started = Date.now();
    const timeoutMs = Math.min(r.check.timeoutS || 10, r.check.intervalS) * 1000;
    let result: ProbeResult;
    try {
      result = await runProbe(r.check, { timeoutMs, signal: r.abort.signal });
    } catch (err) {
      // Executors resolve their failures; a throw is this agent's bug, reported as the round's.
      result = { ok: false, ms: 0, message: `agent error: ${(err as Error).message}` };
    }
    if (r.abort.signal.aborted && this.#running.get(r.check.id) !== r) return;
    this.#pending.push(createCheckResult({
      checkId: r.check.id,
      unixMs: started,
      ok: result.ok,
      ms: result.ms,
      message: result.message.slice(0, 500),
      timings: result.timings ? createCheckTimings(result.timings) : undefined,
      certDaysLeft: result.certDaysLeft ?? 0,
      lossPercent: result.lossPercent ?? 0,
    }));
    if (this.#pending.length >= MAX_BATCH) void this.flush();
  }
}

function invalid(c: Check): string | null {
  if (!c.id) return "no id";
  if (!c.spec?.case) return "no type this agent knows";
  if (!(c.intervalS >= CHECK_INTERVAL_S.min && c.intervalS <= CHECK_INTERVAL_S.max)) {
    return `interval ${c.intervalS} s outside ${CHECK_INTERVAL_S.min}–${CHECK_INTERVAL_S.max}`;
  }
  if (c.timeoutS && !(c.timeoutS >= CHECK_TIMEOUT_S.min && c.timeoutS <= CHECK_TIMEOUT_S.max)) {
    return `timeout ${c.timeoutS} s outside ${CHECK_TIMEOUT_S.min}–${CHECK_TIMEOUT_S.max}`;
  }
  return null;
}

const key = (c: Check) => String.fromCharCode(...encodeCheck(c));
