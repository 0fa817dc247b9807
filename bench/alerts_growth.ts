/**
 * bench/alerts_growth: one hub with bench/alerts_fleet.ts's 50 rules and a
 * webhook channel, under a simulated fleet, printing every minute what its
 * main and ingest processes spent per stored batch and what its outbox
 * holds: whether the cost of alerting grows as the run goes on.
 *
 *   deno run -A bench/alerts_growth.ts [--hosts=2500] [--every=20] [--heartbeat=10]
 *     [--minutes=8] [--webhook=dead|live]
 *
 * `--webhook=dead` points the channel at http://127.0.0.1:9/ (nothing listens:
 * every delivery fails and is retried, as with a webhook down for hours);
 * `live` at a receiver in this process answering 204. SQLite only.
 */
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { hubCli, lastLine, Proc, until } from "../tests/harness.ts";
import { Generator } from "../tests/sim_fleet.ts";
import { fleet, fleetRules } from "./alerts_fleet.ts";
import { procUsage } from "./common.ts";
import type { Hub } from "../tests/harness.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    hosts: { type: "string", default: "2500" },
    every: { type: "string", default: "20" },
    heartbeat: { type: "string", default: "10" },
    minutes: { type: "string", default: "8" },
    webhook: { type: "string", default: "dead" },
    // Takes a 30 s CPU profile of the main process at the start of these minutes (1-based).
    profile: { type: "string", default: "" },
  },
});
const hosts = Number(values.hosts);
const everyS = Number(values.every);
const heartbeatS = Number(values.heartbeat);
const minutes = Number(values.minutes);

function ingestPid(hub: Hub): number {
  const line = hub.proc.lines.findLast((l) => /Ingest process ready pid=\d+/.test(l));
  return line ? Number(/pid=(\d+)/.exec(line)![1]) : 0;
}

let received = 0;
const receiver = values.webhook === "live"
  ? Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.arrayBuffer();
    received++;
    return new Response(null, { status: 204 });
  })
  : null;
const url = receiver ? `http://127.0.0.1:${receiver.addr.port}/` : "http://127.0.0.1:9/";

const profileAt = new Set(values.profile ? values.profile.split(",").map(Number) : []);
const inspectPort = 9300 + Math.floor(Math.random() * 500);

/** A hub as tests/harness.ts starts it, with the inspector open when profiles are wanted. */
async function startHub(dataDir: string, extraEnv: Record<string, string>): Promise<Hub> {
  const env = {
    SIGHTLINE_DATA_DIR: dataDir,
    SIGHTLINE_HTTP_ADDR: "127.0.0.1:0",
    SIGHTLINE_GRPC_ADDR: "127.0.0.1:0",
    ...extraEnv,
  };
  const inspect = profileAt.size ? [`--inspect=127.0.0.1:${inspectPort}`] : [];
  const proc = new Proc(["run", "-A", ...inspect, "main.ts"], env);
  const [, http, grpc] = await proc.waitForLine(
    /Hub ready http=127\.0\.0\.1:(\d+) grpc=127\.0\.0\.1:(\d+)/,
  );
  return {
    proc,
    dataDir,
    http: `http://127.0.0.1:${http}`,
    grpc: `127.0.0.1:${grpc}`,
    ports: { http: Number(http), grpc: Number(grpc) },
    env,
    async dispose() {
      await proc.stop();
    },
  };
}

/** Profiles the main process for `ms` over the inspector; returns the top self times. */
async function profile(ms: number, file: string): Promise<string> {
  const [target] = await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json();
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((r) => ws.onopen = r);
  let id = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id && waiting.has(m.id)) waiting.get(m.id)!(m.result);
  };
  const call = (method: string, params = {}) =>
    // deno-lint-ignore no-explicit-any
    new Promise<any>((r) => {
      waiting.set(++id, r);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 500 });
  await call("Profiler.start");
  await new Promise((r) => setTimeout(r, ms));
  const { profile: p } = await call("Profiler.stop");
  ws.close();
  await Deno.writeTextFile(file, JSON.stringify(p));
  // deno-lint-ignore no-explicit-any
  const nodes = new Map<number, any>(p.nodes.map((n: any) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const name = (n: { callFrame: { functionName: string; url: string; lineNumber: number } }) =>
    `${n.callFrame.functionName || "(anon)"} ${
      n.callFrame.url.replace(/.*wt-alertsgrowth\//, "")
    }:${n.callFrame.lineNumber + 1}`;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    let n = nodes.get(p.samples[i]);
    self.set(name(n), (self.get(name(n)) ?? 0) + dt);
    const seen = new Set<string>();
    while (n) {
      const k = name(n);
      if (!seen.has(k)) total.set(k, (total.get(k) ?? 0) + dt), seen.add(k);
      n = nodes.get(parent.get(n.id)!);
    }
  }
  const top = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) =>
      `  ${(v / 1000).toFixed(0).padStart(7)} ms ${k}`
    ).join("\n");
  return `self:\n${top(self)}\ntotal:\n${top(total)}`;
}

const dir = await Deno.makeTempDir({ prefix: "sightline-alerts-growth-" });
let hub: Hub | null = null;
let gen: Generator | null = null;
try {
  hub = await startHub(`${dir}/hub`, {
    DATABASE_URL: "",
    SIGHTLINE_OFFLINE_AFTER: String(heartbeatS * 3),
  });
  const key = lastLine((await hubCli(hub, "apikey", "create", "bench")).stdout);
  await hub.proc.waitForLine(/Ingest process ready pid=(\d+)/);
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${hub!.http}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : undefined;
  };
  const tokens = await fleet(hub, hosts);
  for (const rule of fleetRules(hosts)) {
    const { id: _, ...spec } = rule;
    await api("POST", "/api/v1/alert-rules", spec);
  }
  await api("POST", "/api/v1/channels", { name: "ops", type: "webhook", config: { url } });
  gen = new Generator(hub.grpc, { values: "alerts", everyS, heartbeatS });
  if (await gen.add(tokens) !== hosts) throw new Error("not every agent connected");
  await until("a batch from every host", () => (gen!.stats?.acked ?? 0) >= hosts, 180_000);

  const db = new DatabaseSync(`${dir}/hub/sightline.db`, { readOnly: true });
  const q = (sql: string) => Object.values(db.prepare(sql).get() ?? {})[0];
  const outbox = () => {
    const now = Date.now();
    return `outbox queued ${q("SELECT count(*) FROM notifications WHERE state = 'queued'")} (due ${
      q(`SELECT count(*) FROM notifications WHERE state = 'queued' AND due_at <= ${now}`)
    }), sent ${q("SELECT count(*) FROM notifications WHERE state = 'sent'")}, attempts ${
      q("SELECT count(*) FROM notification_attempts")
    }; alerts open ${q("SELECT count(*) FROM alerts WHERE state IN ('pending', 'firing')")}, all ${
      q("SELECT count(*) FROM alerts")
    }`;
  };
  console.log(`${hosts} hosts, batches every ${everyS} s, webhook ${values.webhook} (${url})`);
  for (let m = 0; m < minutes; m++) {
    const b0 = gen.stats?.acked ?? 0;
    const ing0 = ingestPid(hub);
    const [main0, in0] = [procUsage(hub.proc.pid).cpuMs, procUsage(ing0).cpuMs];
    const profiled = profileAt.has(m + 1)
      ? profile(30_000, `/tmp/ag/profile-${values.webhook}-${m + 1}.cpuprofile`)
      : null;
    await new Promise((r) => setTimeout(r, 60_000));
    const batches = (gen.stats?.acked ?? 0) - b0;
    const ing1 = ingestPid(hub);
    const [main1, in1] = [procUsage(hub.proc.pid).cpuMs, procUsage(ing1).cpuMs];
    const per = (ms: number) => Math.round((ms * 1000) / Math.max(1, batches));
    console.log(
      `minute ${m + 1}: ${batches} batches; main ${per(main1 - main0)} µs/batch, ingest ${
        ing0 === ing1 ? per(in1 - in0) : "restarted"
      } µs/batch; ${outbox()}${receiver ? `; received ${received}` : ""}`,
    );
    if (profiled) console.log(await profiled);
  }
  db.close();
} finally {
  await gen?.stop();
  await hub?.dispose();
  await receiver?.shutdown();
  await Deno.remove(dir, { recursive: true });
}
