/**
 * bench/alerts-engine: the alert engine's own cost, in one process, beside
 * the part of ingest that needs no network: a stored batch decoded off its
 * bytes, converted, written through `store.metrics.writeBatch` and told to
 * the main process on a line it reads back. `bench alerts` measures the whole
 * hub (TLS, HTTP/2, heartbeats and all); this one says where judging's time
 * goes, against a baseline that leaves out most of what a hub spends per
 * batch, so its ratio is an upper bound on the hub's.
 *
 * Both paths write real batches of a 10,000-host fleet (`--full`; 2,000
 * quick), one batch per host a pass, round-robin; the measured path also
 * puts the batch's samples on that line, hands them to the alert engine as
 * the hub does and waits for the transitions it queued to be written. The
 * engine's one-second tick (offline hosts, absent data, reminders) is not per
 * batch and is left out.
 *
 * The headline ratio is measured on the same batches: in the judged slices,
 * this process's CPU time (user + system; SQLite's work runs on this thread)
 * is read around each batch's ingest and again around its judging, and the
 * ratio is (ingest + judging) / ingest. Other processes on a shared machine
 * slow both parts of one batch alike, so this holds where a comparison of
 * separate stretches of time does not.
 *
 * Beside it, two figures that do compare stretches: the paths take turns 250
 * batches at a time (A B A B …, each host judged every other pass), and the
 * CPU and wall time per batch of the judged turns over the others give
 * `abab_ratio` and `wall_ratio`. They also count what the split cannot (the
 * engine's work evicting the store's caches), but swing from run to run on
 * this 2-core machine.
 */
import process from "node:process";
import { fromBinary } from "@bufbuild/protobuf";
import { AgentMessageSchema } from "../proto/gen/sightline/agent/v1/agent_pb.ts";
import { batchToStored } from "../hub/ingest/convert.ts";
import { summarize } from "../lib/fleet.ts";
import type { Store } from "../hub/store/store.ts";
import { AlertEngine, type AlertEventName, type Sample } from "../hub/alerts/engine.ts";
import { logger } from "../lib/log.ts";
import { channel } from "../hub/store/conformance_helpers.ts";
import { addHosts, onEachStore, percentile } from "./common.ts";
import { fleetRules, hostBytes, tagsOf } from "./alerts_fleet.ts";

/** Where a pass's batches are stamped from: 30 s apart. */
const START = Date.UTC(2026, 10, 2);
const INTERVAL_MS = 30_000;
/** Batches in a row one path takes before the other's turn. */
const SLICE = 250;

/** This process's CPU time so far, µs (user + system). */
function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

interface Result {
  store: string;
  /** (ingest + judging) / ingest on the same batches, CPU time (the headline), over the passes. */
  ratio: number;
  ratio_min: number;
  ratio_max: number;
  /** CPU microseconds per stored batch: its ingest, and judging it. */
  ingest_cpu_us: number;
  engine_cpu_us: number;
  /** Taking turns: CPU time per batch of the judged turns over the others, its passes' range. */
  abab_ratio: number;
  abab_min: number;
  abab_max: number;
  /** The same for wall time, and the median slice of each. */
  wall_ratio: number;
  median_ratio: number;
  /** Microseconds per stored batch (wall clock): ingest alone, and with the engine. */
  base_us: number;
  with_rules_us: number;
  /** Transitions written during the timed passes, by event. */
  transitions: Partial<Record<AlertEventName, number>>;
}

/** Registers the fleet, adds the rules and a channel, starts an engine on `store`. */
async function prepare(
  store: Store,
  hosts: number,
  clock: { t: number },
  transitions: Partial<Record<AlertEventName, number>>,
): Promise<{ engine: AlertEngine; rules: number }> {
  await addHosts(store, hosts, true);
  for (let h = 0; h < hosts; h++) await store.hosts.setTags(`h${h}`, tagsOf(h));
  for (const rule of fleetRules(hosts)) await store.alerts.createRule(rule, 0);
  await store.notifications.createChannel(
    channel("ops", { config: { url: "http://127.0.0.1:9/" } }),
  );
  const engine = new AlertEngine({
    store,
    log: logger("bench"),
    now: () => clock.t,
    publish: (event) => transitions[event] = (transitions[event] ?? 0) + 1,
  });
  await engine.start(); // adds the 4 default rules beside the fleet's 46
  engine.stop(); // the tick is not per batch: left out
  const rules = (await store.alerts.rules()).filter((r) => r.enabled).length;
  return { engine, rules };
}

async function measure(name: string, store: Store, hosts: number, passes: number): Promise<Result> {
  const clock = { t: START };
  const transitions: Partial<Record<AlertEventName, number>> = {};
  const { engine, rules } = await prepare(store, hosts, clock, transitions);
  let pass = 0;
  /**
   * One pass over the fleet, slice by slice, every other slice also judged
   * (the other half the next pass); the µs per stored batch of each path.
   */
  const run = async () => {
    const ts = START + pass * INTERVAL_MS;
    const work: Array<{ host: string; bytes: Uint8Array }> = [];
    for (let h = 0; h < hosts; h++) work.push({ host: `h${h}`, bytes: hostBytes(h, pass, ts) });
    clock.t = ts;
    const ms = [0, 0], cpu = [0, 0], batches = [0, 0];
    const sliceUs: [number[], number[]] = [[], []];
    const split = { write: 0, engine: 0 };
    for (let k = 0; k * SLICE < hosts; k++) {
      const judge = (k + pass) % 2;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const slice = work.slice(k * SLICE, (k + 1) * SLICE);
      for (const { host, bytes } of slice) {
        // Both paths read the clock alike, so its own cost weighs on neither ratio.
        const w0 = cpuUs();
        // The ingest path: decoded and checked off the stream, written, told to the main
        // process on a line it reads back (hub/ingest/service.ts, main.ts).
        const msg = fromBinary(AgentMessageSchema, bytes);
        if (msg.kind.case !== "metrics") throw new Error("not a metrics batch");
        const stored = batchToStored(msg.kind.value, clock.t);
        const { inserted } = await store.metrics.writeBatch(host, stored);
        const failing = (stored.latest.errors as Array<{ collector: string }>).map((e) =>
          e.collector
        );
        const told = JSON.parse(JSON.stringify({
          type: "host.metrics",
          hostId: host,
          ts: stored.ts,
          seq: stored.seq,
          summary: summarize(stored.latest),
          failing,
        }));
        const w1 = cpuUs();
        const judged = judge && inserted;
        if (judged) {
          // What judging adds: the samples on that line, and the engine.
          const line = JSON.stringify(stored.points.map((p) => [p.metric, p.label, p.value]));
          const samples: Sample[] = JSON.parse(line);
          engine.batch(told.hostId, told.ts, samples, told.failing);
          await engine.settled(); // its transitions written: part of what judging costs
        }
        const w2 = cpuUs();
        if (judged) {
          split.write += w1 - w0;
          split.engine += w2 - w1;
        }
      }
      const took = performance.now() - t0;
      const used = process.cpuUsage(c0);
      cpu[judge] += (used.user + used.system) / 1000;
      ms[judge] += took;
      batches[judge] += slice.length;
      sliceUs[judge].push((took * 1000) / slice.length);
    }
    pass++;
    return {
      base: (ms[0] * 1000) / batches[0],
      judged: (ms[1] * 1000) / batches[1],
      baseCpu: (cpu[0] * 1000) / batches[0],
      judgedCpu: (cpu[1] * 1000) / batches[1],
      slices: sliceUs,
      split: (split.write + split.engine) / split.write,
      engineCpu: split.engine / batches[1],
    };
  };

  // Warm up both paths (statements, caches, the engine's first look at each host).
  await run();
  await run();
  for (const k of Object.keys(transitions)) delete transitions[k as AlertEventName];

  let base = 0, judged = 0, baseCpu = 0, judgedCpu = 0;
  const ratios: number[] = [];
  const splits: number[] = [];
  let engineCpu = 0;
  const slices: [number[], number[]] = [[], []];
  for (let r = 0; r < passes; r++) {
    const us = await run();
    base += us.base;
    judged += us.judged;
    baseCpu += us.baseCpu;
    judgedCpu += us.judgedCpu;
    ratios.push(us.judgedCpu / us.baseCpu);
    splits.push(us.split);
    engineCpu += us.engineCpu;
    for (const j of [0, 1]) slices[j].push(...us.slices[j]);
  }
  const round = (x: number) => Number(x.toFixed(3));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const result: Result = {
    store: name,
    ratio: round(mean(splits)),
    ratio_min: round(Math.min(...splits)),
    ratio_max: round(Math.max(...splits)),
    ingest_cpu_us: Math.round(judgedCpu / passes - engineCpu / passes),
    engine_cpu_us: Math.round(engineCpu / passes),
    abab_ratio: round(judgedCpu / baseCpu),
    abab_min: round(Math.min(...ratios)),
    abab_max: round(Math.max(...ratios)),
    wall_ratio: round(judged / base),
    median_ratio: round(percentile(slices[1], 50) / percentile(slices[0], 50)),
    base_us: Math.round(base / passes),
    with_rules_us: Math.round(judged / passes),
    transitions,
  };
  const told = Object.entries(transitions).map(([e, n]) => `${e.slice(6)} ${n}`).join(", ");
  console.log(
    `${name}: ${hosts} hosts, ${rules} rules, ${passes} passes: judging ${result.engine_cpu_us} µs CPU a batch beside its ingest's ${result.ingest_cpu_us} µs, ratio ${result.ratio} (passes ${result.ratio_min}–${result.ratio_max}); taking turns: CPU ${result.abab_ratio} (${result.abab_min}–${result.abab_max}), wall ${result.wall_ratio} (median slice ${result.median_ratio}); transitions: ${
      told || "none"
    }`,
  );
  if (rules !== 50) throw new Error(`expected 50 enabled rules, found ${rules}`);
  return result;
}

const totalOf = (t: Result["transitions"]) => Object.values(t).reduce((n, x) => n + x, 0);

/** Runs the bench; returns the headline and the figures. */
export async function run(opts: { full: boolean }): Promise<{ headline: string; data: unknown }> {
  const hosts = opts.full ? 10_000 : 2_000;
  const passes = opts.full ? 8 : 12;
  if (!opts.full) console.log(`quick run: ${hosts} hosts (--full: 10,000)`);
  const results = await onEachStore((name, store) => measure(name, store, hosts, passes));

  const [lite, pgr] = results;
  let headline =
    `alerts-engine: hosts=${hosts} rules=50 ratio=${lite.ratio} spread=${lite.ratio_min}-${lite.ratio_max} ingest_cpu_us=${lite.ingest_cpu_us} engine_cpu_us=${lite.engine_cpu_us} abab_ratio=${lite.abab_ratio} wall_ratio=${lite.wall_ratio} transitions=${
      totalOf(lite.transitions)
    }`;
  if (pgr) {
    headline +=
      ` pg_ratio=${pgr.ratio} pg_spread=${pgr.ratio_min}-${pgr.ratio_max} pg_ingest_cpu_us=${pgr.ingest_cpu_us} pg_engine_cpu_us=${pgr.engine_cpu_us} pg_abab_ratio=${pgr.abab_ratio} pg_wall_ratio=${pgr.wall_ratio}`;
  }
  return { headline, data: { hosts, passes, slice: SLICE, results } };
}
