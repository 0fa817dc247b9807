/**
 * bench/alerts: what judging every stored batch against 50 rules costs, as a
 * ratio to the ingest path alone in the same run. Both paths write real
 * batches of a 10,000-host fleet (`--full`; 2,000 quick) through
 * `store.metrics.writeBatch`, one batch per host a pass, round-robin; the
 * measured path also hands each stored batch to the alert engine as the hub
 * does (its samples and its failing collectors) and waits for the
 * transitions it queued to be written before its clock stops. The two take
 * turns 250 batches at a time (A B A B …, each host judged every other
 * pass), so drift on a shared machine and the database's growth weigh on
 * both alike; the spread is that of the ratio over passes. The engine's
 * one-second tick (offline hosts, absent data, reminders) is not per batch
 * and is left out.
 *
 * The headline ratio is of this process's CPU time (user + system, which
 * holds SQLite's work: it runs on this thread), what the engine takes from
 * the hub; the wall-clock ratio is beside it. Both swing from run to run on
 * this shared 2-core machine: a control whose second path only built the
 * samples (no engine) read 0.97 and 1.06 on wall time, as wide as the margin
 * under test, so a figure here is several runs' range, never one run.
 */
import process from "node:process";
import type { Store } from "../hub/store/store.ts";
import { AlertEngine, type AlertEventName, type Sample } from "../hub/alerts/engine.ts";
import { logger } from "../lib/log.ts";
import { channel } from "../hub/store/conformance_helpers.ts";
import { addHosts, onEachStore, percentile } from "./common.ts";
import { fleetRules, type HostBatch, hostBatch, tagsOf } from "./alerts_fleet.ts";

/** Where a pass's batches are stamped from: 30 s apart. */
const START = Date.UTC(2026, 10, 2);
const INTERVAL_MS = 30_000;
/** Batches in a row one path takes before the other's turn. */
const SLICE = 250;

interface Result {
  store: string;
  /** Microseconds per stored batch (wall clock): ingest alone, and with the engine. */
  base_us: number;
  with_rules_us: number;
  /** The ratio of CPU time per batch (the headline), and of wall time. */
  ratio: number;
  wall_ratio: number;
  /** CPU microseconds per stored batch: ingest alone, and with the engine. */
  base_cpu_us: number;
  with_rules_cpu_us: number;
  /** The lowest and highest ratio of one pass. */
  ratio_min: number;
  ratio_max: number;
  /** Median µs of a slice judged over the median of one not: a check on the ratio less swayed by other processes. */
  median_ratio: number;
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
    const work: HostBatch[] = [];
    for (let h = 0; h < hosts; h++) work.push(hostBatch(h, pass, ts));
    clock.t = ts;
    const ms = [0, 0], cpu = [0, 0], batches = [0, 0];
    const sliceUs: [number[], number[]] = [[], []];
    for (let k = 0; k * SLICE < hosts; k++) {
      const judge = (k + pass) % 2;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const slice = work.slice(k * SLICE, (k + 1) * SLICE);
      for (const { host, batch, failing } of slice) {
        const { inserted } = await store.metrics.writeBatch(host, batch);
        if (!judge || !inserted) continue;
        const samples = batch.points.map((p): Sample => [p.metric, p.label, p.value]);
        engine.batch(host, batch.ts, samples, failing);
      }
      if (judge) await engine.settled();
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
    };
  };

  // Warm up both paths (statements, caches, the engine's first look at each host).
  await run();
  await run();
  for (const k of Object.keys(transitions)) delete transitions[k as AlertEventName];

  let base = 0, judged = 0, baseCpu = 0, judgedCpu = 0;
  const ratios: number[] = [];
  const slices: [number[], number[]] = [[], []];
  for (let r = 0; r < passes; r++) {
    const us = await run();
    base += us.base;
    judged += us.judged;
    baseCpu += us.baseCpu;
    judgedCpu += us.judgedCpu;
    ratios.push(us.judgedCpu / us.baseCpu);
    for (const j of [0, 1]) slices[j].push(...us.slices[j]);
  }
  const round = (x: number) => Number(x.toFixed(2));
  const result: Result = {
    store: name,
    base_us: Math.round(base / passes),
    with_rules_us: Math.round(judged / passes),
    ratio: round(judgedCpu / baseCpu),
    wall_ratio: round(judged / base),
    base_cpu_us: Math.round(baseCpu / passes),
    with_rules_cpu_us: Math.round(judgedCpu / passes),
    ratio_min: round(Math.min(...ratios)),
    ratio_max: round(Math.max(...ratios)),
    median_ratio: round(percentile(slices[1], 50) / percentile(slices[0], 50)),
    transitions,
  };
  const told = Object.entries(transitions).map(([e, n]) => `${e.slice(6)} ${n}`).join(", ");
  console.log(
    `${name}: ${hosts} hosts, ${rules} rules, ${passes} passes: CPU per batch ${result.base_cpu_us} µs ingest, ${result.with_rules_cpu_us} µs with the engine, ratio ${result.ratio} (passes ${result.ratio_min}–${result.ratio_max}); wall ${result.base_us} / ${result.with_rules_us} µs, ratio ${result.wall_ratio} (median slice ${result.median_ratio}); transitions: ${
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
    `alerts: hosts=${hosts} rules=50 ratio=${lite.ratio} spread=${lite.ratio_min}-${lite.ratio_max} wall_ratio=${lite.wall_ratio} base_cpu_us=${lite.base_cpu_us} with_rules_cpu_us=${lite.with_rules_cpu_us} transitions=${
      totalOf(lite.transitions)
    }`;
  if (pgr) {
    headline +=
      ` pg_ratio=${pgr.ratio} pg_spread=${pgr.ratio_min}-${pgr.ratio_max} pg_wall_ratio=${pgr.wall_ratio} pg_base_cpu_us=${pgr.base_cpu_us} pg_with_rules_cpu_us=${pgr.with_rules_cpu_us}`;
  }
  return { headline, data: { hosts, passes, slice: SLICE, results } };
}
