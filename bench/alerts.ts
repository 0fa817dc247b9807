/**
 * bench/alerts: what judging every stored batch against 50 rules costs a
 * hub, as a ratio to the same hub's ingest path without rules, both measured
 * in the same run and over the same seconds.
 *
 * Two real hubs run side by side on loopback, each with its own store (SQLite
 * files, or PostgreSQL databases when DATABASE_URL is set) and its own load
 * generator (bench/fleet_agents.ts: simulated agents that register, stream
 * over TLS, heartbeat every 5 s and send a batch every 30 s, as the real one
 * does). Both fleets have the same hosts, with the same ids and tags; one hub
 * has the 46 rules of bench/alerts_fleet.ts beside the 4 defaults and a
 * webhook channel, the other has no rule at all. The figure is the CPU time
 * of each hub's processes (main process with its workers, and ingest, read
 * from /proc) per stored batch over the same windows, rules over none: what
 * a user's hub spends on alerting, heartbeats, TLS, HTTP/2, decoding,
 * storing and telling the dashboard included. Whatever else runs on the
 * machine during a window weighs on both hubs at once.
 *
 * The batches carry bench/alerts_fleet.ts's values (most well below every
 * threshold; a rotating 1.5 % of hosts hot for three minutes at a time, 0.5 %
 * with a failing collector), so alerts pend, fire, resolve and cancel
 * throughout, as `bench alerts-engine` has them; that one times the engine's
 * own calls beside the store write, in one process.
 */
import { hubCli, lastLine, startHub, until } from "../tests/harness.ts";
import { Generator } from "../tests/sim_fleet.ts";
import { testDatabaseServer } from "../tests/pg.ts";
import { fleet, fleetRules } from "./alerts_fleet.ts";
import { procUsage } from "./common.ts";
import type { Hub } from "../tests/harness.ts";

/** One hub under load, and what it has used. */
interface Side {
  name: "rules" | "none";
  hub: Hub;
  gen: Generator;
  key: string;
}

/** One measured window: CPU µs per stored batch on each side, and their ratio. */
interface Window {
  batches: { rules: number; none: number };
  cpu_us_per_batch: { rules: number; none: number };
  ratio: number;
}

interface Result {
  store: string;
  hosts: number;
  rules: number;
  /** Rules over none, all windows together (the headline), and the windows' range. */
  ratio: number;
  ratio_min: number;
  ratio_max: number;
  cpu_us_per_batch: { rules: number; none: number };
  windows: Window[];
  /** Alerts the rules hub opened during the run, by state at the end. */
  alerts: Record<string, number>;
}

/** The hub's ingest process now (it is started again if it dies or hangs). */
function ingestPid(hub: Hub): number {
  const line = hub.proc.lines.findLast((l) => /Ingest process ready pid=\d+/.test(l));
  return line ? Number(/pid=(\d+)/.exec(line)![1]) : 0;
}

/** The hub's main and ingest processes' CPU so far, ms, and which ingest process that was. */
function hubCpu(hub: Hub): { ms: number; mainMs: number; ingest: number } {
  const ingest = ingestPid(hub);
  const mainMs = procUsage(hub.proc.pid).cpuMs;
  return { ms: mainMs + (ingest ? procUsage(ingest).cpuMs : 0), mainMs, ingest };
}

/** Alerts open on the rules hub now: firing (all), pending (up to 1,000 listed). */
async function openNow(side: Side): Promise<string> {
  const counts = await api<{ firing: number }>(side, "GET", "/api/v1/alerts/counts");
  const pending = await api<unknown[]>(side, "GET", "/api/v1/alerts?state=pending&limit=1000");
  return `${counts.firing} firing, ${pending.length} pending`;
}

/** How a fleet sends: the agent's own 30 s and 5 s, or a lighter load for 10,000 hosts a hub. */
interface Load {
  everyS: number;
  heartbeatS: number;
}

async function api<T>(side: Side, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${side.hub.http}${path}`, {
    method,
    headers: { authorization: `Bearer ${side.key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function start(
  name: Side["name"],
  dir: string,
  hosts: number,
  env: Record<string, string>,
  load: Load,
): Promise<Side> {
  // Offline after three missed heartbeats, as with the agent's own 5 s and the hub's 15 s.
  const hub = await startHub(`${dir}/${name}`, undefined, {
    ...env,
    SIGHTLINE_OFFLINE_AFTER: String(load.heartbeatS * 3),
  });
  const key = lastLine((await hubCli(hub, "apikey", "create", "bench")).stdout);
  await hub.proc.waitForLine(/Ingest process ready pid=(\d+)/);
  const side: Side = {
    name,
    hub,
    gen: new Generator(hub.grpc, { values: "alerts", ...load }),
    key,
  };
  const tokens = await fleet(hub, hosts); // before the rules, which name some of them
  const rules = await api<Array<{ id: string }>>(side, "GET", "/api/v1/alert-rules");
  if (name === "none") {
    for (const r of rules) await api(side, "DELETE", `/api/v1/alert-rules/${r.id}`);
  } else {
    for (const rule of fleetRules(hosts)) {
      const { id: _, ...spec } = rule;
      await api(side, "POST", "/api/v1/alert-rules", spec);
    }
    await api(side, "POST", "/api/v1/channels", {
      name: "ops",
      type: "webhook",
      config: { url: "http://127.0.0.1:9/" },
    });
  }
  if (await side.gen.add(tokens) !== hosts) throw new Error(`${name}: not every agent connected`);
  return side;
}

const stored = (s: Side) => s.gen.stats?.acked ?? 0;

async function measure(
  store: string,
  env: Record<string, string>,
  hosts: number,
  windows: number,
  windowS: number,
  load: Load,
): Promise<Result> {
  const dir = await Deno.makeTempDir({ prefix: "sightline-bench-alerts-" });
  const sides: Side[] = [];
  try {
    for (const name of ["rules", "none"] as const) {
      sides.push(await start(name, dir, hosts, env, load));
    }
    const [rules] = sides;
    const ruleCount = (await api<Array<{ enabled: boolean }>>(rules, "GET", "/api/v1/alert-rules"))
      .filter((r) => r.enabled).length;
    if (ruleCount !== 50) throw new Error(`expected 50 rules, found ${ruleCount}`);
    // Warm up: every host has sent at least one batch, each hub has judged (or not) it.
    await until(
      "a batch from every host on both hubs",
      () => sides.every((s) => stored(s) >= hosts),
      Math.max(120_000, load.everyS * 3000),
    );
    const out: Window[] = [];
    // A window counts when both hubs kept up (stored at least 90 % of what their fleets sent
    // in it) and neither ingest process was started again (its CPU would start from 0).
    const expected = (hosts * windowS) / load.everyS;
    for (let w = 0; w < windows; w++) {
      const b0 = sides.map(stored);
      const c0 = sides.map((s) => hubCpu(s.hub));
      await new Promise((r) => setTimeout(r, windowS * 1000));
      const batches = sides.map((s, i) => stored(s) - b0[i]);
      const c1 = sides.map((s) => hubCpu(s.hub));
      const cpu = c1.map((c, i) => c.ms - c0[i].ms);
      const per = cpu.map((ms, i) => Math.round((ms * 1000) / Math.max(1, batches[i])));
      // Where it went: the main process (alerting, the dashboard's events) and ingest.
      const main = c1.map((c, i) =>
        Math.round(((c.mainMs - c0[i].mainMs) * 1000) / Math.max(1, batches[i]))
      );
      const open = await openNow(sides[0]).catch((e) => `unknown (${(e as Error).message})`);
      const restarted = c1.some((c, i) => c.ingest !== c0[i].ingest);
      const behind = batches.some((n) => n < 0.9 * expected);
      if (restarted || behind) {
        console.log(
          `${store}: window ${w + 1} left out: ${
            restarted ? "an ingest process was started again" : "a hub fell behind"
          } (batches ${batches.join(" / ")} of ${Math.round(expected)} sent)`,
        );
        continue;
      }
      const win: Window = {
        batches: { rules: batches[0], none: batches[1] },
        cpu_us_per_batch: { rules: per[0], none: per[1] },
        ratio: Number((per[0] / per[1]).toFixed(3)),
      };
      out.push(win);
      console.log(
        `${store}: window ${w + 1}: rules ${per[0]} µs CPU a batch (${batches[0]} batches), none ${
          per[1]
        } µs (${batches[1]}): ratio ${win.ratio}; main process ${main[0]} / ${
          main[1]
        } µs; open on the rules hub: ${open}`,
      );
    }
    if (!out.length) throw new Error("no window in which both hubs kept up");
    const sum = (k: "rules" | "none", f: (w: Window) => number) =>
      out.reduce((a, w) => a + f(w), 0) / Math.max(1, out.reduce((a, w) => a + w.batches[k], 0));
    const total = {
      rules: Math.round(sum("rules", (w) => w.cpu_us_per_batch.rules * w.batches.rules)),
      none: Math.round(sum("none", (w) => w.cpu_us_per_batch.none * w.batches.none)),
    };
    const alerts: Record<string, number> = {};
    for (const state of ["pending", "firing", "resolved"]) {
      alerts[state] = (await api<unknown[]>(
        rules,
        "GET",
        `/api/v1/alerts?state=${state}&limit=1000`,
      )).length;
    }
    if (!alerts.pending && !alerts.firing && !alerts.resolved) {
      throw new Error("the rules hub opened no alert: nothing was judged");
    }
    const ratios = out.map((w) => w.ratio);
    const result: Result = {
      store,
      hosts,
      rules: ruleCount,
      ratio: Number((total.rules / total.none).toFixed(3)),
      ratio_min: Math.min(...ratios),
      ratio_max: Math.max(...ratios),
      cpu_us_per_batch: total,
      windows: out,
      alerts,
    };
    console.log(
      `${store}: ${hosts} hosts on each hub, 50 rules on one: ${total.rules} µs CPU a stored batch against ${total.none} µs, ratio ${result.ratio} (windows ${result.ratio_min}–${result.ratio_max}); alerts at the end (1000 at most each): ${
        Object.entries(alerts).map(([s, n]) => `${s} ${n}`).join(", ")
      }`,
    );
    return result;
  } finally {
    for (const s of sides) await s.gen.stop();
    for (const s of sides) await s.hub.dispose();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs the bench; returns the headline and the figures. */
export async function run(opts: { full: boolean }): Promise<{ headline: string; data: unknown }> {
  // Two hubs of 10,000 hosts and their load generators share this machine's two cores: at the
  // agent's own 30 s and 5 s they fall behind, so the full run sends every 60 s and
  // heartbeats every 15 s (offline after 45 s): the same state to judge, a third of the traffic.
  const hosts = opts.full ? 10_000 : 1_000;
  const load: Load = opts.full ? { everyS: 60, heartbeatS: 15 } : { everyS: 30, heartbeatS: 5 };
  const [windows, windowS] = opts.full ? [5, 120] : [4, 30];
  if (!opts.full) console.log(`quick run: ${hosts} hosts on each hub (--full: 10,000)`);
  const results: Result[] = [
    await measure("sqlite", { DATABASE_URL: "" }, hosts, windows, windowS, load),
  ];
  if (testDatabaseServer()) {
    results.push(await measure("postgres", {}, hosts, windows, windowS, load));
  }
  const [lite, pgr] = results;
  let headline =
    `alerts: hosts=${hosts} rules=50 ratio=${lite.ratio} spread=${lite.ratio_min}-${lite.ratio_max} cpu_us_per_batch=${lite.cpu_us_per_batch.rules}/${lite.cpu_us_per_batch.none} windows=${lite.windows.length}`;
  if (pgr) {
    headline +=
      ` pg_ratio=${pgr.ratio} pg_spread=${pgr.ratio_min}-${pgr.ratio_max} pg_cpu_us_per_batch=${pgr.cpu_us_per_batch.rules}/${pgr.cpu_us_per_batch.none} pg_windows=${pgr.windows.length}`;
  }
  return { headline, data: { hosts, windows, window_s: windowS, load, results } };
}
