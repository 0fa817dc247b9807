/**
 * The agent's job scheduler: everything the agent does besides keeping the
 * hub link (the metrics loop, and later package scans, log tailers, probes)
 * is a named job with its own schedule. Jobs are kept apart: one that throws,
 * hangs or overruns costs only itself. Its failures are counted and logged
 * once per distinct error, so a job failing the same way every cycle does not
 * flood the log; `status()` keeps the counts for whoever asks.
 */
import type { Logger } from "../lib/log.ts";

/**
 * Run every `everyMs`, on a fixed grid so runs do not drift. A tick that
 * comes while the previous run is still going is skipped (and counted): a job
 * never runs alongside itself.
 */
export interface IntervalSchedule {
  kind: "interval";
  everyMs: number;
  /** Each run starts up to this much after its tick, at random (less than `everyMs`). */
  jitterMs?: number;
  /**
   * The first run's tick, counted from when the job is added; by default one
   * interval (aligned: the next multiple of it).
   */
  initialDelayMs?: number;
  /** Ticks fall on multiples of `everyMs` of the wall clock (after the first run). */
  aligned?: boolean;
}

/**
 * Started at once and expected to run until the scheduler stops (it should
 * return soon after its signal aborts). One that fails or returns earlier is
 * started again after a backoff that doubles from `backoffMs` up to
 * `maxBackoffMs`, and starts over once a run has lasted `maxBackoffMs`.
 */
export interface LongRunningSchedule {
  kind: "long-running";
  backoffMs?: number;
  maxBackoffMs?: number;
}

/** A named piece of work and when to do it. */
export interface Job {
  name: string;
  schedule: IntervalSchedule | LongRunningSchedule;
  /** The work; `signal` aborts when the scheduler stops. */
  run(signal: AbortSignal): void | Promise<void>;
}

/** What one job has done so far (plain data, for the hub to read). */
export interface JobStatus {
  name: string;
  kind: Job["schedule"]["kind"];
  /** The interval now in force (interval jobs). */
  everyMs?: number;
  running: boolean;
  /** Runs started (for a long-running job: starts, the first one included). */
  runs: number;
  failures: number;
  /** Ticks skipped because the previous run was still going. */
  skipped: number;
  /** Starts after a failure or an early return (long-running jobs). */
  restarts: number;
  lastError?: string;
  /** Unix ms of the last failure. */
  lastErrorAt?: number;
  /** How long the last finished run took. */
  lastDurationMs?: number;
  /** Unix ms the next run (or restart) is planned for; none while waiting on a run or stopped. */
  nextRunAt?: number;
}

const DEFAULT_BACKOFF_MS = 1000;
const DEFAULT_MAX_BACKOFF_MS = 60_000;
/** Distinct errors remembered per job, so that each is logged once. */
const DISTINCT_ERRORS = 32;
const MAX_ERROR_CHARS = 500;
/** The longest wait a timer can hold (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  job: Job;
  /** The job's schedule, the scheduler's own copy (reschedule() changes it). */
  schedule: Job["schedule"];
  status: JobStatus;
  /** The pending tick (interval) or restart (long-running) timer. */
  timer?: ReturnType<typeof setTimeout>;
  /** Grid time of the pending tick, before jitter. */
  tick: number;
  /** The run in progress; settles (never rejects) when it ends. */
  current: Promise<void> | null;
  /** Error messages already logged, oldest first. */
  logged: Set<string>;
  /** The next restart's wait (long-running). */
  backoffMs: number;
}

/** Runs jobs until {@link Scheduler.stop}. */
export class Scheduler {
  #entries = new Map<string, Entry>();
  #abort = new AbortController();
  #stopped: Promise<string[]> | null = null;
  #log: Logger;
  #random: () => number;

  constructor(opts: { log: Logger; random?: () => number }) {
    this.#log = opts.log;
    this.#random = opts.random ?? Math.random;
  }

  /** Adds a job and starts its schedule; throws (and adds nothing) on a bad schedule or name. */
  add(job: Job): void {
    if (this.#stopped) throw new Error(`Cannot add job "${job.name}": the scheduler has stopped`);
    if (!job.name) throw new RangeError("A job needs a name");
    if (this.#entries.has(job.name)) throw new RangeError(`A job named "${job.name}" exists`);
    const s = job.schedule;
    if (s.kind === "interval") {
      checkInterval(job.name, s.everyMs, s.jitterMs ?? 0);
      checkMs(job.name, "initialDelayMs", s.initialDelayMs ?? 0, 0);
    } else {
      const backoffMs = s.backoffMs ?? DEFAULT_BACKOFF_MS;
      checkMs(job.name, "backoffMs", backoffMs, 1);
      checkMs(job.name, "maxBackoffMs", s.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, backoffMs);
    }
    const entry: Entry = {
      job,
      schedule: { ...s },
      status: {
        name: job.name,
        kind: s.kind,
        everyMs: s.kind === "interval" ? s.everyMs : undefined,
        running: false,
        runs: 0,
        failures: 0,
        skipped: 0,
        restarts: 0,
      },
      tick: 0,
      current: null,
      logged: new Set(),
      backoffMs: s.kind === "long-running" ? s.backoffMs ?? DEFAULT_BACKOFF_MS : 0,
    };
    this.#entries.set(job.name, entry);
    const own = entry.schedule;
    if (own.kind === "long-running") return this.#start(entry, own);
    const now = Date.now();
    if (own.initialDelayMs !== undefined) this.#arm(entry, own, now + own.initialDelayMs);
    else this.#arm(entry, own, own.aligned ? nextMultiple(now, own.everyMs) : now + own.everyMs);
  }

  /**
   * Changes an interval job's interval from now on: the next tick is one new
   * interval away (or the next multiple of it, when aligned); a run in
   * progress finishes undisturbed. Throws, changing nothing, for an unknown
   * or long-running job or an interval its jitter does not fit in.
   */
  reschedule(name: string, everyMs: number): void {
    const entry = this.#entries.get(name);
    if (!entry) throw new RangeError(`No job named "${name}"`);
    const s = entry.schedule;
    if (s.kind !== "interval") throw new RangeError(`Job "${name}" is long-running, not periodic`);
    checkInterval(name, everyMs, s.jitterMs ?? 0);
    if (this.#stopped) {
      throw new Error(`Cannot reschedule job "${name}": the scheduler has stopped`);
    }
    s.everyMs = everyMs;
    entry.status.everyMs = everyMs;
    clearTimeout(entry.timer);
    const now = Date.now();
    this.#arm(entry, s, s.aligned ? nextMultiple(now, everyMs) : now + everyMs);
  }

  /** Every job's counts, in the order they were added. */
  status(): JobStatus[] {
    return [...this.#entries.values()].map((e) => ({ ...e.status }));
  }

  /**
   * Stops every schedule, aborts the runs' signal and waits up to `graceMs`
   * for runs in progress to end. Nothing starts afterwards. Returns the names
   * of jobs still running when the wait ran out.
   */
  stop(graceMs = 5000): Promise<string[]> {
    this.#stopped ??= this.#stop(graceMs);
    return this.#stopped;
  }

  async #stop(graceMs: number): Promise<string[]> {
    for (const e of this.#entries.values()) {
      clearTimeout(e.timer);
      e.status.nextRunAt = undefined;
    }
    this.#abort.abort();
    const running = [...this.#entries.values()].flatMap((e) => e.current ?? []);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(running),
      new Promise((r) => (timer = setTimeout(r, graceMs))),
    ]);
    clearTimeout(timer);
    const unfinished = [...this.#entries.values()].filter((e) => e.current).map((e) => e.job.name);
    if (unfinished.length) {
      this.#log.warn("Jobs still running at stop", {
        jobs: unfinished.join(","),
        grace_ms: graceMs,
      });
    }
    return unfinished;
  }

  /** Plans the interval job's next run at grid time `tick` (plus jitter). */
  #arm(entry: Entry, s: IntervalSchedule, tick: number): void {
    entry.tick = tick;
    const at = tick + Math.floor(this.#random() * (s.jitterMs ?? 0));
    entry.status.nextRunAt = at;
    entry.timer = setTimeout(() => this.#fire(entry, s), Math.max(0, at - Date.now()));
  }

  #fire(entry: Entry, s: IntervalSchedule): void {
    const now = Date.now();
    // The next grid tick after this one; ticks the timer came too late for are passed over.
    let next = s.aligned ? nextMultiple(entry.tick, s.everyMs) : entry.tick + s.everyMs;
    const behind = next <= now ? Math.floor((now - next) / s.everyMs) + 1 : 0;
    next += behind * s.everyMs;
    if (entry.current) {
      entry.status.skipped += 1 + behind;
    } else {
      entry.current = this.#run(entry, async (signal) => {
        await entry.job.run(signal);
      });
    }
    this.#arm(entry, s, next);
  }

  /** Starts (or restarts) a long-running job; plans a restart when it ends before the stop. */
  #start(entry: Entry, s: LongRunningSchedule): void {
    const maxMs = s.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    entry.status.nextRunAt = undefined;
    const started = Date.now();
    entry.current = this.#run(entry, async (signal) => {
      await entry.job.run(signal);
      if (!signal.aborted) throw new Error("Returned while the agent was still running");
    }).then(() => {
      if (this.#stopped) return;
      // A run that lasted was healthy: the backoff starts over.
      if (Date.now() - started >= maxMs) entry.backoffMs = s.backoffMs ?? DEFAULT_BACKOFF_MS;
      const wait = entry.backoffMs;
      entry.backoffMs = Math.min(maxMs, wait * 2);
      this.#log.debug("Job ended, restarting", { job: entry.job.name, in_ms: wait });
      entry.status.nextRunAt = Date.now() + wait;
      entry.timer = setTimeout(() => {
        entry.status.restarts++;
        this.#start(entry, s);
      }, wait);
    });
  }

  /** Runs `body` once as the job's run: counts it, times it, and keeps its failure to itself. */
  #run(entry: Entry, body: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const { status } = entry;
    status.runs++;
    status.running = true;
    const started = performance.now();
    const signal = this.#abort.signal;
    return (async () => {
      try {
        await body(signal);
      } catch (err) {
        // What a job throws because it was told to stop is not a failure.
        if (!signal.aborted) this.#failed(entry, err);
      } finally {
        status.lastDurationMs = Math.round(performance.now() - started);
        status.running = false;
        entry.current = null;
      }
    })();
  }

  #failed(entry: Entry, err: unknown): void {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_CHARS);
    const { status, logged } = entry;
    status.failures++;
    status.lastError = message;
    status.lastErrorAt = Date.now();
    if (logged.has(message)) return;
    logged.add(message);
    if (logged.size > DISTINCT_ERRORS) logged.delete(logged.values().next().value!);
    this.#log.error("Job failed", {
      job: entry.job.name,
      error: message,
      failures: status.failures,
    });
  }
}

/** The first multiple of `everyMs` after `t`. */
function nextMultiple(t: number, everyMs: number): number {
  return (Math.floor(t / everyMs) + 1) * everyMs;
}

function checkMs(job: string, what: string, ms: number, min: number): void {
  if (!Number.isFinite(ms) || ms < min || ms > MAX_TIMER_MS) {
    throw new RangeError(
      `Job "${job}": ${what} must be a number of ms from ${min} to ${MAX_TIMER_MS}, not ${ms}`,
    );
  }
}

function checkInterval(job: string, everyMs: number, jitterMs: number): void {
  checkMs(job, "everyMs", everyMs, 1);
  checkMs(job, "jitterMs", jitterMs, 0);
  if (jitterMs >= everyMs) {
    throw new RangeError(
      `Job "${job}": jitterMs (${jitterMs}) must be less than everyMs (${everyMs})`,
    );
  }
}
