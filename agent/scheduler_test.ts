import { assert, assertEquals, assertThrows } from "../lib/assert.ts";
import type { Logger } from "../lib/log.ts";
import { type Job, Scheduler } from "./scheduler.ts";

/** A logger that keeps what it was told, so tests can count lines. */
function recordingLogger() {
  const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) =>
    void lines.push({ level, msg, fields });
  const log: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
  return { log, lines };
}

/** Counts events and resolves a waiter once the count reaches a number. */
class Counter {
  count = 0;
  #waiters: Array<{ n: number; resolve: () => void }> = [];

  hit(): number {
    this.count++;
    this.#waiters = this.#waiters.filter((w) => (w.n <= this.count ? (w.resolve(), false) : true));
    return this.count;
  }

  /** Resolves once `n` events happened; rejects after `ms` so a broken scheduler fails fast. */
  reach(n: number, ms = 10_000): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Only ${this.count} of ${n} events`)), ms);
      this.#waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

/** A promise with its resolver, for a test to hold a job and let it go. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

function every(everyMs: number, extra: Partial<Job["schedule"]> = {}): Job["schedule"] {
  return { kind: "interval", everyMs, ...extra } as Job["schedule"];
}

const byName = (s: Scheduler, name: string) => s.status().find((j) => j.name === name)!;

/** Resolves after `ms`: only to give something a window in which it must NOT happen. */
const windowOf = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("a failing job does not stop another; each distinct error is logged once and counted", async () => {
  const { log, lines } = recordingLogger();
  const s = new Scheduler({ log });
  const t0 = Date.now();
  const bad = new Counter();
  const good = new Counter();
  s.add({
    name: "bad",
    schedule: every(5),
    run: () => {
      // Alternates a synchronous throw and a rejected promise.
      if (bad.hit() % 2) throw new Error("disk on fire");
      return Promise.reject(new TypeError("no such table"));
    },
  });
  s.add({ name: "good", schedule: every(5), run: () => void good.hit() });
  await Promise.all([bad.reach(6), good.reach(6)]);
  await s.stop();

  const failed = lines.filter((l) => l.msg === "Job failed");
  assertEquals(failed.map((l) => [l.fields.job, l.fields.error]), [
    ["bad", "disk on fire"],
    ["bad", "no such table"],
  ]);
  const b = byName(s, "bad");
  assertEquals(b.runs, bad.count);
  // Every run failed, but one whose failure came after the stop aborted it is not counted
  // (what a job throws because it was told to stop is no failure).
  assert(b.failures === b.runs || b.failures === b.runs - 1, `${b.failures} of ${b.runs}`);
  assert(b.lastError === "disk on fire" || b.lastError === "no such table");
  assert(b.lastErrorAt! >= t0);
  const g = byName(s, "good");
  assertEquals(g.failures, 0);
  assertEquals(g.lastError, undefined);
  assert(g.runs >= 6);
});

Deno.test("an overrunning job never runs alongside itself and counts the ticks it skipped", async () => {
  const s = new Scheduler({ log: recordingLogger().log });
  const held = gate();
  const slow = new Counter();
  const clock = new Counter();
  let active = 0;
  let maxActive = 0;
  s.add({
    name: "slow",
    schedule: every(15),
    run: async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      if (slow.hit() === 1) await held.opened;
      active--;
    },
  });
  // Ticks on the same interval: its runs are the evidence that slow's ticks came and went.
  s.add({ name: "clock", schedule: every(15), run: () => void clock.hit() });
  await clock.reach(4);
  const during = byName(s, "slow");
  assertEquals(during.running, true);
  assertEquals(during.runs, 1);
  assert(during.skipped >= 2, `skipped ${during.skipped} while held`);
  held.open();
  await slow.reach(3);
  await s.stop();
  assertEquals(maxActive, 1);
  assert(byName(s, "slow").skipped >= during.skipped);
  assertEquals(byName(s, "slow").failures, 0);
});

Deno.test("a long-running job that dies is restarted with a doubling backoff", async () => {
  const { log, lines } = recordingLogger();
  const s = new Scheduler({ log });
  const starts: number[] = [];
  const started = new Counter();
  let stoppedCleanly = false;
  s.add({
    name: "tailer",
    schedule: { kind: "long-running", backoffMs: 20, maxBackoffMs: 1000 },
    run: async (signal) => {
      starts.push(Date.now());
      const n = started.hit();
      if (n === 1 || n === 3) throw new Error("file vanished");
      if (n === 2) return; // ending early is a failure too
      // The fourth start stays up until the scheduler stops.
      await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
      stoppedCleanly = true;
    },
  });
  await started.reach(4);
  const gaps = starts.slice(1).map((t, i) => t - starts[i]);
  // Each wait at least doubles (a timer may look 1 ms short at ms resolution).
  assert(gaps[0] >= 19 && gaps[1] >= 39 && gaps[2] >= 79, `gaps ${gaps}`);
  const up = byName(s, "tailer");
  assertEquals(up.running, true);
  assertEquals([up.runs, up.restarts, up.failures], [4, 3, 3]);
  assertEquals(await s.stop(), []);
  assert(stoppedCleanly);
  const after = byName(s, "tailer");
  assertEquals([after.running, after.failures, after.nextRunAt], [false, 3, undefined]);
  // The next backoff would have been 160 ms: a stopped job is not started again.
  await windowOf(250);
  assertEquals(started.count, 4);
  assertEquals(
    lines.filter((l) => l.msg === "Job failed").map((l) => l.fields.error),
    ["file vanished", "Returned while the agent was still running"],
  );
});

Deno.test("stop() waits for a running job, and afterwards nothing runs", async () => {
  const s = new Scheduler({ log: recordingLogger().log });
  const busy = new Counter();
  const other = new Counter();
  let finished = false;
  s.add({
    name: "busy",
    schedule: every(10),
    run: async (signal) => {
      busy.hit();
      await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
      // Winding down takes a while after the signal: stop() must wait for it.
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
    },
  });
  s.add({ name: "other", schedule: every(10), run: () => void other.hit() });
  await Promise.all([busy.reach(1), other.reach(3)]);
  assertEquals(await s.stop(5000), []);
  assert(finished, "stop() returned before the running job ended");
  assertEquals(s.status().map((j) => [j.running, j.nextRunAt]), [[false, undefined], [
    false,
    undefined,
  ]]);
  const counts = [busy.count, other.count];
  await windowOf(100);
  assertEquals([busy.count, other.count], counts);
  assertThrows(() => s.add({ name: "late", schedule: every(10), run: () => {} }), Error, "stopped");
  assertThrows(() => s.reschedule("other", 20), Error, "stopped");
});

Deno.test("stop() gives up on a job that ignores its signal after the grace period", async () => {
  const { log, lines } = recordingLogger();
  const s = new Scheduler({ log });
  const stuck = new Counter();
  const released = gate();
  s.add({
    name: "stuck",
    schedule: every(5),
    run: async () => {
      stuck.hit();
      await released.opened;
    },
  });
  await stuck.reach(1);
  const t0 = Date.now();
  assertEquals(await s.stop(60), ["stuck"]);
  assert(Date.now() - t0 >= 59);
  assertEquals(lines.filter((l) => l.msg === "Jobs still running at stop").length, 1);
  released.open();
  await windowOf(50);
  assertEquals(stuck.count, 1);
  assertEquals(byName(s, "stuck").running, false);
});

Deno.test("jitter delays each run within its bound, never before its tick", async () => {
  const s = new Scheduler({ log: recordingLogger().log });
  const runs = new Counter();
  const planned: number[] = [];
  const actual: number[] = [];
  s.add({
    name: "probe",
    schedule: every(40, { jitterMs: 25, aligned: true }),
    run: () => {
      actual.push(Date.now());
      // Read at the start of a run, nextRunAt is still this run's planned time.
      planned.push(byName(s, "probe").nextRunAt!);
      runs.hit();
    },
  });
  await runs.reach(10);
  await s.stop();
  const offsets = planned.map((t) => t % 40);
  assert(offsets.every((o) => o >= 0 && o < 25), `offsets ${offsets}`);
  assert(new Set(offsets).size > 1, `jitter was not applied: ${offsets}`);
  assert(actual.every((t, i) => t >= planned[i]), "a run started before its time");
  // One run per tick: consecutive planned times are an interval apart, give or take the jitter.
  const ticks = planned.map((t) => t - (t % 40));
  assert(ticks.slice(1).every((t, i) => t > ticks[i]), `ticks ${ticks}`);
});

Deno.test("the jitter drawn is the bound times the random number", async () => {
  for (const [random, offset] of [[0, 0], [0.5, 10], [0.999999, 19]] as const) {
    const s = new Scheduler({ log: recordingLogger().log, random: () => random });
    const ran = new Counter();
    let at = 0;
    s.add({
      name: "j",
      schedule: every(30, { jitterMs: 20, aligned: true }),
      run: () => void (at = byName(s, "j").nextRunAt!, ran.hit()),
    });
    await ran.reach(1);
    await s.stop();
    assertEquals(at % 30, offset);
  }
});

Deno.test("reschedule() changes a running job's interval; bad input changes nothing", async () => {
  const s = new Scheduler({ log: recordingLogger().log });
  const runs = new Counter();
  s.add({
    name: "metrics",
    schedule: every(3_600_000, { jitterMs: 5 }),
    run: () => void runs.hit(),
  });
  s.add({ name: "tail", schedule: { kind: "long-running" }, run: () => new Promise(() => {}) });
  const before = s.status();
  assertThrows(() => s.reschedule("nope", 10), RangeError, "No job");
  assertThrows(() => s.reschedule("metrics", 0), RangeError, "everyMs");
  assertThrows(() => s.reschedule("metrics", NaN), RangeError, "everyMs");
  assertThrows(() => s.reschedule("metrics", -10), RangeError, "everyMs");
  assertThrows(() => s.reschedule("metrics", 30 * 86_400_000), RangeError, "everyMs");
  assertThrows(() => s.reschedule("metrics", 5), RangeError, "jitterMs");
  assertThrows(() => s.reschedule("tail", 10), RangeError, "long-running");
  assertEquals(s.status(), before);
  assertEquals(runs.count, 0);

  s.reschedule("metrics", 10);
  assertEquals(byName(s, "metrics").everyMs, 10);
  await runs.reach(3);
  s.reschedule("metrics", 3_600_000);
  const next = byName(s, "metrics").nextRunAt!;
  assert(next >= Date.now() + 3_500_000, "the long interval is in force again");
  await s.stop(50);
});

Deno.test("add() refuses a bad schedule or a taken name and adds nothing", async () => {
  const s = new Scheduler({ log: recordingLogger().log });
  const run = () => {};
  s.add({ name: "a", schedule: every(1000), run });
  assertThrows(() => s.add({ name: "a", schedule: every(1000), run }), RangeError, "exists");
  assertThrows(() => s.add({ name: "", schedule: every(1000), run }), RangeError, "name");
  assertThrows(() => s.add({ name: "b", schedule: every(0), run }), RangeError, "everyMs");
  assertThrows(
    () => s.add({ name: "b", schedule: every(100, { jitterMs: 100 }), run }),
    RangeError,
    "jitterMs",
  );
  assertThrows(
    () => s.add({ name: "b", schedule: every(100, { initialDelayMs: -1 }), run }),
    RangeError,
    "initialDelayMs",
  );
  assertThrows(
    () => s.add({ name: "b", schedule: { kind: "long-running", backoffMs: 0 }, run }),
    RangeError,
    "backoffMs",
  );
  assertThrows(
    () =>
      s.add({
        name: "b",
        schedule: { kind: "long-running", backoffMs: 100, maxBackoffMs: 50 },
        run,
      }),
    RangeError,
    "maxBackoffMs",
  );
  assertEquals(s.status().map((j) => j.name), ["a"]);
  await s.stop();
});

Deno.test("an initial delay of zero runs a job at once, then on its interval", async () => {
  const s = new Scheduler({ log: recordingLogger().log });
  const runs = new Counter();
  const at: number[] = [];
  s.add({
    name: "m",
    schedule: every(50, { initialDelayMs: 0, aligned: true }),
    run: () => void (at.push(Date.now()), runs.hit()),
  });
  assert(byName(s, "m").nextRunAt! <= Date.now(), "the first run waits for nothing");
  await runs.reach(3);
  await s.stop();
  assertEquals(at.slice(1).map((t) => Math.floor(t / 50) > Math.floor(at[0] / 50)), [true, true]);
});

Deno.test("a job's run is called on the job, so a class's method works", async () => {
  class Scan implements Job {
    name = "scan";
    schedule = every(5, { initialDelayMs: 0 });
    ran = new Counter();
    run() {
      this.ran.hit();
    }
  }
  const scan = new Scan();
  const s = new Scheduler({ log: recordingLogger().log });
  s.add(scan);
  await scan.ran.reach(2);
  await s.stop();
  assertEquals(byName(s, "scan").failures, 0);
});
