/**
 * The containers of this host: each metrics cycle lists them from the engine
 * (`sample`), and a long-running job (`eventsJob`) follows the engine's event
 * stream so start, stop, die, oom and health changes between cycles are
 * kept until the next batch takes them (`takeEvents`). Where there is no
 * engine socket both are quiet: no containers, no error.
 *
 * Of inspect's answer only the fields below are read: its Config.Env holds
 * the container's secrets and never leaves this file's parsing.
 */
import { pause } from "../pause.ts";
import type { Logger } from "../../lib/log.ts";
import type { Job } from "../scheduler.ts";
import { rate } from "../collectors/types.ts";
import type { Container, ContainerEvent } from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { Engine, engineSocket } from "./engine.ts";
import { cpuPercent, type EngineStats, isoMs, type Reading, reading, STATES } from "./stats.ts";

/** What one cycle found. */
export interface ContainerSample {
  /** Whether `containers` is the engine's whole list (an empty one when there is no engine). */
  listed: boolean;
  engine: string;
  containers: Container[];
}

/** The actions the hub is told of; the engine sends many more (exec_start, attach…). */
const ACTIONS = new Set(["start", "stop", "die", "oom", "health_status"]);
/** Events kept for the next batch; past it the oldest go (a flapping container's storm). */
const MAX_EVENTS = 500;
/** Inspect and stats requests in flight at once. */
const PARALLEL = 4;
/** How often the events job looks again for an engine that is not there. */
const ABSENT_RETRY_MS = 30_000;

interface ListEntry {
  Id?: string;
  Names?: string[];
  Image?: string;
  State?: string;
}

interface Inspect {
  Name?: string;
  Created?: string;
  RestartCount?: number;
  State?: { Status?: string; StartedAt?: string; Health?: { Status?: string } };
  Config?: { Image?: string };
}

interface EngineEvent {
  Type?: string;
  Action?: string;
  time?: number;
  timeNano?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** Runs `f` over `items`, `n` at a time. */
async function pool<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

export interface WatcherOptions {
  env: Record<string, string | undefined>;
  /** The filesystem root the sockets are looked for under (SIGHTLINE_ROOT). */
  root: string;
  log: Logger;
}

/** The host's container engine, as the metrics job and the events job see it. */
export class ContainerWatcher {
  #engine: Engine | null = null;
  #version: string | null = null;
  #prev = new Map<string, { at: number; r: Reading }>();
  #events: ContainerEvent[] = [];
  #droppedEvents = 0;

  constructor(private readonly opts: WatcherOptions) {}

  /** The engine on its socket now, or null; a socket that moved or came late is followed. */
  #current(): Engine | null {
    const socket = engineSocket(this.opts.env, this.opts.root);
    if (socket !== this.#engine?.socket) {
      this.#engine?.close();
      this.#engine = socket ? new Engine(socket) : null;
      this.#version = null;
      this.#prev.clear();
    }
    return this.#engine;
  }

  /**
   * Lists every container with its state and, for a running one, its stats;
   * rates need the previous cycle's reading, so a container's first cycle has
   * none. Throws when the engine is there but fails (the cycle records it).
   */
  async sample(now = Date.now()): Promise<ContainerSample> {
    const engine = this.#current();
    if (!engine) return { listed: true, engine: "", containers: [] };
    if (this.#version === null) {
      const v = await engine.get<{ Version?: string; Components?: Array<{ Name?: string }> }>(
        "/version",
      );
      const podman = (v.Components ?? []).some((c) => /podman/i.test(c.Name ?? ""));
      this.#version = `${podman ? "podman" : "docker"} ${String(v.Version ?? "").slice(0, 40)}`;
    }
    const list = await engine.get<ListEntry[]>("/containers/json?all=true");
    const seen = new Set<string>();
    const containers = await pool(list, PARALLEL, async (entry) => {
      const id = String(entry.Id ?? "");
      seen.add(id);
      return await this.#container(engine, id, entry, now);
    });
    for (const id of this.#prev.keys()) if (!seen.has(id)) this.#prev.delete(id);
    return {
      listed: true,
      engine: this.#version,
      containers: containers.filter((c): c is Container => c !== null),
    };
  }

  async #container(
    engine: Engine,
    id: string,
    entry: ListEntry,
    now: number,
  ): Promise<Container | null> {
    let ins: Inspect;
    try {
      ins = await engine.get<Inspect>(`/containers/${encodeURIComponent(id)}/json`);
    } catch (err) {
      // Removed between the list and here: it is simply gone.
      if ((err as { status?: number }).status === 404) return null;
      throw err;
    }
    const state = String(ins.State?.Status ?? entry.State ?? "");
    const c: Container = {
      id,
      name: String(ins.Name ?? entry.Names?.[0] ?? "").replace(/^\//, ""),
      image: String(entry.Image ?? ins.Config?.Image ?? ""),
      state: STATES.has(state) ? state : "unknown",
      health: String(ins.State?.Health?.Status ?? ""),
      restartCount: Number.isSafeInteger(ins.RestartCount) ? ins.RestartCount! : 0,
      createdUnixMs: isoMs(ins.Created),
      startedUnixMs: isoMs(ins.State?.StartedAt),
      hasStats: false,
      memBytes: 0,
      memLimitBytes: 0,
      hasRates: false,
      cpuPercent: 0,
      netRxBytesPerS: 0,
      netTxBytesPerS: 0,
      blockReadBytesPerS: 0,
      blockWriteBytesPerS: 0,
    };
    if (state !== "running") {
      this.#prev.delete(id);
      return c;
    }
    let stats: EngineStats;
    try {
      // one-shot (API 1.41+): answer at once instead of waiting a second for
      // the engine's own second reading; the agent keeps its previous one.
      stats = await engine.get<EngineStats>(
        `/containers/${encodeURIComponent(id)}/stats?stream=false&one-shot=true`,
      );
    } catch (err) {
      if ((err as { status?: number }).status === 404) return null;
      throw err;
    }
    const r = reading(stats);
    c.hasStats = true;
    c.memBytes = r.memBytes;
    c.memLimitBytes = r.memLimit;
    const prev = this.#prev.get(id);
    this.#prev.set(id, { at: now, r });
    if (prev && now > prev.at) {
      const s = (now - prev.at) / 1000;
      c.hasRates = true;
      c.cpuPercent = cpuPercent(prev.r, r);
      c.netRxBytesPerS = rate(prev.r.netRx, r.netRx, s);
      c.netTxBytesPerS = rate(prev.r.netTx, r.netTx, s);
      c.blockReadBytesPerS = rate(prev.r.blockRead, r.blockRead, s);
      c.blockWriteBytesPerS = rate(prev.r.blockWrite, r.blockWrite, s);
    }
    return c;
  }

  /** The events heard since the last call, oldest first. */
  takeEvents(): ContainerEvent[] {
    const out = this.#events;
    this.#events = [];
    if (this.#droppedEvents) {
      this.opts.log.warn("Dropped container events past the buffer", {
        dropped: this.#droppedEvents,
      });
      this.#droppedEvents = 0;
    }
    return out;
  }

  #keep(e: EngineEvent): void {
    const action = String(e.Action ?? "");
    // health_status comes as "health_status: healthy".
    const [kind, rest] = action.split(/:\s*/, 2);
    if (e.Type !== "container" || !ACTIONS.has(kind)) return;
    const attrs = e.Actor?.Attributes ?? {};
    const code = Number(attrs.exitCode);
    this.#events.push({
      unixMs: e.timeNano ? Math.floor(e.timeNano / 1e6) : Number(e.time ?? 0) * 1000,
      containerId: String(e.Actor?.ID ?? ""),
      name: String(attrs.name ?? ""),
      image: String(attrs.image ?? ""),
      action: kind,
      exitCode: kind === "die" && Number.isInteger(code) ? code : 0,
      health: kind === "health_status" ? String(rest ?? "") : "",
    });
    if (this.#events.length > MAX_EVENTS) {
      this.#events.shift();
      this.#droppedEvents++;
    }
  }

  /**
   * The long-running job reading `GET /events` (container events only) line
   * by line. After a break it asks again from the last event's time, which
   * the engine replays from its buffer; events already kept are told apart by
   * their nanosecond time, id and action.
   */
  eventsJob(): Job {
    let since = Math.floor(Date.now() / 1000);
    const heard = new Set<string>();
    return {
      name: "container-events",
      schedule: { kind: "long-running", backoffMs: 1000, maxBackoffMs: 60_000 },
      run: async (signal) => {
        const engine = this.#current();
        if (!engine) {
          // No engine: look again later, quietly (a return would count as a restart).
          await pause(ABSENT_RETRY_MS, signal);
          return;
        }
        const filters = encodeURIComponent(JSON.stringify({ type: ["container"] }));
        const res = await engine.request(`/events?since=${since}&filters=${filters}`, signal);
        const lines = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter());
        try {
          for await (const line of lines) {
            if (!line.trim()) continue;
            let e: EngineEvent;
            try {
              e = JSON.parse(line);
            } catch {
              continue;
            }
            const key = `${e.timeNano}|${e.Actor?.ID}|${e.Action}`;
            if (heard.has(key)) continue;
            heard.add(key);
            if (heard.size > 2 * MAX_EVENTS) heard.delete(heard.values().next().value!);
            if (typeof e.time === "number") since = Math.max(since, e.time);
            this.#keep(e);
          }
        } catch (err) {
          if (signal.aborted) return;
          throw err;
        }
        if (!signal.aborted) throw new Error("engine closed the event stream");
      },
    };
  }

  close(): void {
    this.#engine?.close();
    this.#engine = null;
  }
}

/** Splits a text stream into lines. */
function lineSplitter(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, ctl) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const p of parts) ctl.enqueue(p);
    },
    flush(ctl) {
      if (rest) ctl.enqueue(rest);
    },
  });
}
