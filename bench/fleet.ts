/**
 * bench/fleet: how many agents one hub process holds. Starts a real hub on
 * loopback (SQLite, then PostgreSQL when DATABASE_URL is set) and the load
 * generator (bench/fleet_agents.ts) in a process of its own, then ramps the
 * number of simulated agents. At each step, once every new agent is online,
 * it holds for a while and watches the hub's live event stream as a browser
 * would: for every batch an agent sends, the time until its `host.metrics`
 * event arrives (the agent stamps the batch when it sends it; both run on
 * this machine's clock), and whether every batch was acknowledged. A step
 * holds when p99 ≤ 250 ms and no batch is lost; the ramp stops at the first
 * that does not. The baseline is the first (smallest) step of the same run.
 */
import { hubCli, lastLine, startHub, until } from "../tests/harness.ts";
import { Generator, tokens } from "../tests/sim_fleet.ts";
import { percentile, procUsage } from "./common.ts";
import { testDatabaseServer } from "../tests/pg.ts";
import { readLines } from "../lib/ndjson.ts";

const TARGET_P99_MS = 250;

/** The hub's live events, read as a browser reads them: latencies and online hosts. */
class Watcher {
  latencies: number[] = [];
  online = new Set<string>();
  #abort = new AbortController();
  done: Promise<void>;

  constructor(http: string, key: string) {
    this.done = (async () => {
      const res = await fetch(`${http}/api/v1/events`, {
        headers: { authorization: `Bearer ${key}` },
        signal: this.#abort.signal,
      });
      let event = "";
      for await (const line of readLines(res.body!)) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) {
          const data = JSON.parse(line.slice(6));
          if (event === "host.metrics") this.latencies.push(Date.now() - Date.parse(data.ts));
          else if (event === "host.status" && data.status === "online") this.online.add(data.id);
        }
      }
    })().catch(() => {});
  }

  stop() {
    this.#abort.abort();
  }
}

/** Waits for `pred` (see the harness's until); says so and answers false when it never holds. */
function waitFor(what: string, pred: () => boolean, ms: number): Promise<boolean> {
  return until(what, pred, ms).then(() => true, (err: Error) => {
    console.log(`  ${err.message}`);
    return false;
  });
}

/** One step of the ramp, as measured. */
interface Step {
  agents: number;
  batches: number;
  p50_ms: number;
  p99_ms: number;
  lost: number;
  reconnects: number;
  /** Times the ingest process died (or hung and was killed) during the step. */
  ingest_restarts: number;
  hub_rss_mb: number;
  hub_cpu_percent: number;
  /** The load generator shares the machine: when it is busy, batches leave late. */
  generator_cpu_percent: number;
  held: boolean;
}

/** Ramps agents on one hub; returns every step measured. */
async function ramp(
  name: string,
  env: Record<string, string>,
  steps: number[],
  holdS: number,
): Promise<Step[]> {
  const dir = await Deno.makeTempDir({ prefix: "sightline-fleet-" });
  const hub = await startHub(`${dir}/hub`, undefined, env);
  const gen = new Generator(hub.grpc);
  const out: Step[] = [];
  try {
    const key = lastLine((await hubCli(hub, "apikey", "create", "bench")).stdout);
    await hub.proc.waitForLine(/Ingest process ready pid=(\d+)/);
    // The ingest process may be restarted (and get a new pid) under load.
    const ingestPid = () => {
      const line = hub.proc.lines.findLast((l) => /Ingest process ready pid=\d+/.test(l))!;
      return Number(/pid=(\d+)/.exec(line)![1]);
    };
    const hubUsage = () => {
      const main = procUsage(hub.proc.pid);
      const ingest = procUsage(ingestPid());
      return { rss: main.rss + ingest.rss, cpuS: (main.cpuMs + ingest.cpuMs) / 1000 };
    };
    const watcher = new Watcher(hub.http, key);
    let have = 0;
    // The supervisor's word for each time the ingest process had to be started again.
    const restarts = () =>
      hub.proc.lines.filter((l) => /Ingest process (died|stopped answering)/.test(l)).length;
    for (const n of steps) {
      const restarts0 = restarts();
      const add = await tokens(hub, n - have);
      await gen.add(add);
      have = n;
      const allOnline = await waitFor(
        `${n} agents online`,
        () => watcher.online.size >= n,
        Math.max(30_000, n * 20),
      );
      // Hold: every agent sends about holdS / 30 batches, spread out.
      const before = { ...gen.stats! };
      const cpu0 = hubUsage().cpuS;
      const gen0 = procUsage(gen.pid).cpuMs / 1000;
      watcher.latencies = [];
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, holdS * 1000));
      const held = (performance.now() - t0) / 1000;
      const latencies = watcher.latencies;
      const { cpuS: cpu1, rss } = hubUsage();
      const genCpu = Math.round(((procUsage(gen.pid).cpuMs / 1000 - gen0) / holdS) * 100);
      // No new batches for a moment: what is still unacked once the ones in
      // flight are through is lost.
      await gen.pause(true);
      const pausedAt = Date.now();
      await waitFor(
        "acks",
        () => gen.statsAt > pausedAt + 100 && (gen.stats?.unacked ?? 0) === 0,
        15_000,
      );
      const after = gen.stats!;
      await gen.pause(false);
      const sent = after.sent - before.sent;
      // Unacked after the drain, refused, or never connected: lost. Streams
      // that broke and reconnected are reported, not lost.
      const lost = after.unacked + (after.rejected - before.rejected) + after.failed;
      const reconnects = after.streamErrors - before.streamErrors;
      const step: Step = {
        agents: n,
        ingest_restarts: restarts() - restarts0,
        batches: sent,
        p50_ms: Math.round(percentile(latencies, 50)),
        p99_ms: Math.round(percentile(latencies, 99)),
        lost,
        reconnects,
        hub_rss_mb: Math.round(rss / 2 ** 20),
        hub_cpu_percent: Math.round(((cpu1 - cpu0) / held) * 100),
        generator_cpu_percent: genCpu,
        held: false,
      };
      // A step in which ingest restarted does not hold, whatever its figures.
      step.held = allOnline && lost === 0 && latencies.length > 0 &&
        step.p99_ms <= TARGET_P99_MS && step.ingest_restarts === 0;
      out.push(step);
      console.log(
        `${name}: ${n} agents, ${sent} batches: p50 ${step.p50_ms} ms, p99 ${step.p99_ms} ms, lost ${lost}, ${reconnects} reconnects, ${step.ingest_restarts} ingest restarts, hub ${step.hub_rss_mb} MB, ${step.hub_cpu_percent}% CPU, generator ${genCpu}% CPU${
          step.held ? "" : "  ← target missed"
        }`,
      );
      if (!step.held) {
        // What the hub said went wrong, if anything.
        for (
          const l of hub.proc.lines.filter((l) => / (WARN|ERROR) /.test(l)).slice(-5)
        ) {
          console.log(`  hub: ${l.slice(0, 300)}`);
        }
        break;
      }
    }
    watcher.stop();
  } finally {
    await gen.stop();
    await hub.dispose();
    await Deno.remove(dir, { recursive: true });
  }
  return out;
}

/** Runs the bench; returns the headline and the figures. */
export async function run(opts: { full: boolean }): Promise<{ headline: string; data: unknown }> {
  // SIGHTLINE_BENCH_FLEET_STEPS=2000,5000 ramps through other counts.
  const custom = Deno.env.get("SIGHTLINE_BENCH_FLEET_STEPS")?.split(",").map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const steps = custom?.length
    ? custom
    : opts.full
    ? [500, 1000, 2000, 4000, 7000, 10_000, 14_000]
    : [1000];
  const holdS = opts.full ? 120 : 35;
  const stores: Array<[string, Record<string, string>]> = [["sqlite", { DATABASE_URL: "" }]];
  if (testDatabaseServer()) stores.push(["postgres", {}]);
  const results: Record<string, Step[]> = {};
  for (const [name, env] of stores) results[name] = await ramp(name, env, steps, holdS);

  const best = (s: Step[]) => s.filter((x) => x.held).at(-1);
  const figures = (name: string, prefix: string) => {
    const b = best(results[name]);
    const base = results[name][0];
    return `${prefix}max_agents=${b?.agents ?? 0} ${prefix}p99_ms=${b?.p99_ms ?? base.p99_ms} ` +
      `${prefix}lost=${b?.lost ?? base.lost} ` +
      `${prefix}ingest_restarts=${results[name].reduce((a, x) => a + x.ingest_restarts, 0)} ` +
      `${prefix}hub_rss_mb=${b?.hub_rss_mb ?? 0} ` +
      `${prefix}hub_cpu_percent=${b?.hub_cpu_percent ?? 0} ${prefix}p99_vs_first_step=${
        b ? (b.p99_ms / Math.max(1, base.p99_ms)).toFixed(1) : "n/a"
      }`;
  };
  let headline = `fleet: ${figures("sqlite", "")}`;
  if (results.postgres) headline += ` ${figures("postgres", "pg_")}`;
  // Where the ramp stopped looking: a quick run proves less than it may hold.
  headline += ` ramp_max=${steps.at(-1)}`;
  return { headline, data: { steps, hold_s: holdS, results } };
}
