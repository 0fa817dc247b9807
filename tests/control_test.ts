/**
 * The control channel between real processes: the hub asks a connected
 * agent about itself over its stream (REST → main → ingest → agent → back);
 * the documented 4xx for an unknown host and an agent that is not
 * connected; a metrics interval set on the hub reaches the agent, which
 * follows it, keeps it across its own restart and the hub's, and on
 * reconnecting gets a change made while it was away as a diff; the hub asks
 * for the host's top processes (a fixture /proc, and the real one with a busy
 * child) and refuses an answer past its limits.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { Channel, GrpcError, Status } from "../agent/grpc.ts";
import { encodeAgent } from "../agent/wire.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import { probeHello, probeStream } from "./probe.ts";
import {
  type ControlResponse,
  createAgentInfo,
  createTopProcesses,
  type Process,
  type TopProcesses,
} from "../proto/gen/sightline/agent/v1/agent_lean.ts";
import type { ProcessAnswer } from "../hub/control/types.ts";
import { fileURLToPath } from "node:url";
import {
  enroll,
  type Hub,
  openHubStore,
  type Proc,
  startAgent,
  startHub,
  until,
} from "./harness.ts";

/** One REST call with an API key; the status and the JSON body. */
async function call(
  hub: Hub,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${hub.http}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const errorCode = (r: { body: Record<string, unknown> }) =>
  (r.body.error as { code: string } | undefined)?.code;

/** The times of the agent's "Batch queued" lines from line `from` on, in ms. */
function batchTimes(agent: Proc, from: number): number[] {
  return agent.lines.slice(from).filter((l) => l.includes("Batch queued")).map((l) =>
    Date.parse(l.split(" ")[0])
  );
}

/** What a test gets: its dir, its hub (replaced when restarted), and agents it starts. */
interface Ctx {
  dir: string;
  hub: Hub;
  /** Starts `agent run` on `sub` (1 s interval, `env` added); stopped when the test ends. */
  agent(sub: string, env?: Record<string, string>): Proc;
}

/** A test on a fresh hub; the hub and every agent it started end with it. */
function hubTest(name: string, fn: (ctx: Ctx) => Promise<void>) {
  Deno.test({
    name,
    ignore: Deno.build.os !== "linux",
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "sightline-control-" });
      const agents: Proc[] = [];
      const ctx: Ctx = {
        dir,
        hub: await startHub(`${dir}/hub`),
        agent: (sub, env) => {
          const a = startAgent(`${dir}/${sub}`, 1, env);
          agents.push(a);
          return a;
        },
      };
      try {
        await fn(ctx);
      } finally {
        for (const a of agents) await a.stop();
        await ctx.hub.dispose();
      }
    },
  });
}

hubTest(
  "the hub asks a connected agent for its info; unknown host is 404, an offline agent 409 (top processes too)",
  async ({ hub, dir, agent: start }) => {
    const { key, identity } = await enroll(hub, `${dir}/agent`, "ctl-1");
    const path = `/api/v1/hosts/${identity.agentId}/agent`;
    // Every question to an agent answers alike when there is none to ask.
    const questions = ["agent", "processes"];
    const offline = async () => {
      for (const q of questions) {
        const r = await call(hub, key, "GET", `/api/v1/hosts/${identity.agentId}/${q}`);
        assertEquals([r.status, errorCode(r)], [409, "agent_not_connected"], q);
      }
    };
    await offline();

    const agent = start("agent");
    await agent.waitForLine(/Connected to hub/);
    const info = await call(hub, key, "GET", path);
    assertEquals(info.status, 200, JSON.stringify(info.body));
    assertEquals(info.body.pid, agent.pid);
    assertEquals(info.body.metrics_interval_s, 1);
    assertEquals(info.body.desired_version, 0);
    assert(typeof info.body.agent_version === "string" && info.body.agent_version !== "");
    const uptime = info.body.uptime_s as number;
    assert(uptime > 0 && uptime < 120, `agent uptime ${uptime}`);
    assert((info.body.host_uptime_s as number) >= uptime, "the host was up before the agent");
    assert((info.body.collectors as string[]).includes("cpu"), String(info.body.collectors));
    assertEquals(typeof info.body.wal_pending_batches, "number");

    for (const q of questions) {
      const unknown = await call(hub, key, "GET", `/api/v1/hosts/nope/${q}`);
      assertEquals([unknown.status, errorCode(unknown)], [404, "not_found"], q);
    }

    await agent.stop();
    await offline();
  },
);

/** An answer function for {@link rawAgent}: `result` to whatever is asked. */
const response = (result: ControlResponse["result"]) => (id: number) =>
  encodeAgent({ case: "response", value: { id, result } });

/** A raw stream for `identity` that says Hello, then answers requests with `answer` (or never). */
function rawAgent(
  channel: Channel,
  identity: { agentId: string; agentKey: string },
  answer?: (id: number) => Uint8Array,
) {
  let welcomed: () => void;
  const ready = new Promise<void>((r) => (welcomed = r));
  const stream = probeStream(channel, identity, probeHello("raw", 30), (kind, call) => {
    if (kind.case === "welcome") welcomed();
    if (kind.case === "request" && answer) call.write(answer(kind.value.id));
  });
  return { stream, ready };
}

hubTest(
  "an agent that never answers is a 504, a malformed answer a 502 that ends only its stream",
  async ({ hub, dir, agent: start }) => {
    const real = await enroll(hub, `${dir}/real`, "real");
    const agent = start("real");
    const { key, identity } = await enroll(hub, `${dir}/raw`, "raw");
    const channel = new Channel(hub.grpc, { serverName: HUB_TLS_NAME, caPem: identity.caPem });
    const path = `/api/v1/hosts/${identity.agentId}/agent`;
    const ask = async (answer?: (id: number) => Uint8Array) => {
      const raw = rawAgent(channel, identity, answer);
      await raw.ready;
      const res = await call(hub, key, "GET", path);
      return { raw, res: [res.status, errorCode(res)] };
    };
    try {
      // An agent older than the control channel reads the request and never answers.
      const old = await ask();
      assertEquals(old.res, [504, "agent_timeout"]);
      old.raw.stream.cancel();
      // A newer agent's "unsupported".
      const picky = await ask(response({ case: "error", value: { code: 1, message: "?" } }));
      assertEquals(picky.res, [409, "agent_unsupported"]);
      picky.raw.stream.cancel();
      // An answer without a result breaks the protocol: a 502, and the hub ends that stream.
      const broken = await ask(response({ case: undefined }));
      assertEquals(broken.res, [502, "agent_invalid_answer"]);
      const ended = await broken.raw.stream.status.then(() => "ok", (e) => e);
      assert(
        ended instanceof GrpcError && ended.code === Status.INVALID_ARGUMENT,
        `the stream should end INVALID_ARGUMENT, got ${ended}`,
      );
    } finally {
      await channel.close();
    }
    // The other agent's stream is untouched.
    await agent.waitForLine(/Connected to hub/);
    const fine = await call(hub, key, "GET", `/api/v1/hosts/${real.identity.agentId}/agent`);
    assertEquals(fine.status, 200, JSON.stringify(fine.body));
    assertEquals(fine.body.pid, agent.pid);
  },
);

hubTest(
  "a hub-set interval reaches the agent, survives its restart and the hub's, and a change made while it was away arrives as a diff",
  async (ctx) => {
    const { key, identity } = await enroll(ctx.hub, `${ctx.dir}/agent`, "ctl-2");
    const interval = `/api/v1/hosts/${identity.agentId}/interval`;
    const info = async () => {
      const r = await call(ctx.hub, key, "GET", `/api/v1/hosts/${identity.agentId}/agent`);
      return [r.body.metrics_interval_s, r.body.desired_version];
    };
    // Bad input changes nothing.
    for (const body of [{ interval_s: 0 }, { interval_s: 1.5 }, { interval_s: "2" }, "{oops"]) {
      const r = await call(ctx.hub, key, "PUT", interval, body);
      assertEquals(r.status, 400, JSON.stringify(body));
    }
    const missing = await call(ctx.hub, key, "PUT", "/api/v1/hosts/nope/interval", {
      interval_s: 5,
    });
    assertEquals([missing.status, errorCode(missing)], [404, "not_found"]);

    let agent = ctx.agent("agent");
    await agent.waitForLine(/Connected to hub/);
    const set = await call(ctx.hub, key, "PUT", interval, { interval_s: 3 });
    assertEquals(set.body, { id: identity.agentId, interval_s: 3, desired_version: 1 });
    await agent.waitForLine(/Applied desired state version=1 full=true interval_s=3/);
    // The loop follows it: batches now come 3 s apart.
    const from = agent.lines.length;
    await until("three batches after the change", () => batchTimes(agent, from).length >= 3);
    const times = batchTimes(agent, from);
    const gap = times.at(-1)! - times.at(-2)!;
    assert(gap > 2500 && gap < 3500, `batches ${gap} ms apart, not 3 s`);
    const store = openHubStore(ctx.hub);
    const audit = await store.audit.list(5).finally(() => store.close());
    // Named by the host's id beside its name, and by the API key that set it.
    assert(
      audit.some((a) =>
        a.action === "host.interval" && a.target_id === identity.agentId && a.target !== "" &&
        a.actor.startsWith("apikey:") && a.detail === "3s"
      ),
      JSON.stringify(audit),
    );

    // The agent restarts: it starts at 3 s from its own store, and needs nothing sent.
    await agent.stop();
    agent = ctx.agent("agent");
    await agent.waitForLine(/Agent started .*interval_s=3/);
    await agent.waitForLine(/Connected to hub/);
    assertEquals(await info(), [3, 1]);

    // The hub restarts while the agent is away, and the interval is unset meanwhile.
    await agent.stop();
    await ctx.hub.proc.stop();
    ctx.hub = await startHub(`${ctx.dir}/hub`, ctx.hub.ports);
    const unset = await call(ctx.hub, key, "PUT", interval, { interval_s: null });
    assertEquals(unset.body.desired_version, 2);
    agent = ctx.agent("agent");
    await agent.waitForLine(/Agent started .*interval_s=3/);
    await agent.waitForLine(/Applied desired state version=2 full=false interval_s=1/);
    await ctx.hub.proc.waitForLine(/Sent desired state .*version=2 full=false set=0 removed=1/);
    assertEquals(await info(), [1, 2]);
  },
);

/** A proc tree in the kernel's formats: six processes, postgres the largest (agent/testdata/procs). */
const PROCS = fileURLToPath(new URL("../agent/testdata/procs", import.meta.url));

hubTest(
  "the hub asks an agent for its top processes: read from its /proc, largest resident set first, with its owner",
  async ({ hub, dir, agent: start }) => {
    const { key, identity } = await enroll(hub, `${dir}/agent`, "procs-1");
    const path = `/api/v1/hosts/${identity.agentId}/processes`;
    const agent = start("agent", { SIGHTLINE_ROOT: PROCS, SIGHTLINE_PROC_ROOT: `${PROCS}/proc` });
    await agent.waitForLine(/Connected to hub/);
    const top = await call(hub, key, "GET", path);
    assertEquals(top.status, 200, JSON.stringify(top.body));
    const byMemory = top.body.by_memory as ProcessAnswer[];
    assertEquals(byMemory[0], {
      pid: 412,
      name: "postgres",
      user: "postgres",
      cpu_percent: 0,
      rss_bytes: 2_000_000 * 1024,
      mem_percent: 25,
    });
    assertEquals(byMemory.map((p) => p.pid), [412, 977, 1, 1203, 1500, 2]);
    assertEquals(byMemory.find((p) => p.pid === 1500)?.user, "4242", "a uid without a name");
    assertEquals(top.body.total, 6);
    assertEquals((top.body.by_cpu as ProcessAnswer[]).length, 6);
    const at = Date.parse(top.body.at as string);
    assert(Math.abs(at - Date.now()) < 60_000, `snapshot at ${top.body.at}`);

    // The metrics collectors read the same tree, without an error.
    const host = `/api/v1/hosts/${identity.agentId}`;
    await until("a batch from the fixture", async () => {
      return (await call(hub, key, "GET", host)).body.latest != null;
    });
    const latest = (await call(hub, key, "GET", host)).body.latest as Record<string, unknown>;
    assertEquals([latest.mem_total_bytes, latest.errors], [8_000_000 * 1024, []]);
  },
);

hubTest(
  "a busy process on the agent's host shows up in its top processes by CPU, with its owner",
  async ({ hub, dir, agent: start }) => {
    const { key, identity } = await enroll(hub, `${dir}/agent`, "procs-2");
    const agent = start("agent");
    await agent.waitForLine(/Connected to hub/);
    const me = new TextDecoder().decode(
      (await new Deno.Command("id", { args: ["-un"] }).output()).stdout,
    ).trim();
    const busy = new Deno.Command(Deno.execPath(), {
      args: ["eval", "while (true) {}"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      let seen: ProcessAnswer | undefined;
      await until("the busy process among the top by CPU", async () => {
        const r = await call(hub, key, "GET", `/api/v1/hosts/${identity.agentId}/processes`);
        seen = (r.body.by_cpu as ProcessAnswer[] | undefined)?.find((p) => p.pid === busy.pid);
        return seen !== undefined && seen.cpu_percent > 10;
      }, 30_000);
      assertEquals([seen?.name, seen?.user], ["deno", me]);
      assert(
        seen!.rss_bytes > 1024 * 1024,
        `a deno process holds more than 1 MB: ${seen!.rss_bytes}`,
      );
    } finally {
      busy.kill("SIGKILL");
      await busy.status;
    }
  },
);

hubTest(
  "an agent's top processes are cleaned; one past the limits, or an answer to another question, is a 502",
  async ({ hub, dir }) => {
    const { key, identity } = await enroll(hub, `${dir}/raw`, "raw");
    const channel = new Channel(hub.grpc, { serverName: HUB_TLS_NAME, caPem: identity.caPem });
    const ask = async (result: ControlResponse["result"]) => {
      const raw = rawAgent(channel, identity, response(result));
      await raw.ready;
      const res = await call(hub, key, "GET", `/api/v1/hosts/${identity.agentId}/processes`);
      raw.stream.cancel();
      return res;
    };
    const proc = (p: Partial<Process> = {}): Process => ({
      pid: 7,
      name: "sh",
      user: "root",
      cpuPercent: 1.5,
      rssBytes: 4096,
      memPercent: 0.5,
      ...p,
    });
    const top = (t: Partial<TopProcesses>): ControlResponse["result"] => ({
      case: "topProcesses",
      value: createTopProcesses({ unixMs: Date.now(), total: 20, ...t }),
    });
    try {
      const fine = await ask(top({
        byCpu: [proc({ name: `evil\u001b[2J${"x".repeat(100)}`, user: "\u202Eroot" })],
      }));
      assertEquals(fine.status, 200, JSON.stringify(fine.body));
      assertEquals(fine.body.by_cpu, [{
        pid: 7,
        name: `evil[2J${"x".repeat(57)}`,
        user: "root",
        cpu_percent: 1.5,
        rss_bytes: 4096,
        mem_percent: 0.5,
      }]);
      const bad: Record<string, ControlResponse["result"]> = {
        "eleven by CPU": top({ byCpu: Array.from({ length: 11 }, () => proc()) }),
        "more than the total": top({ total: 1, byMemory: [proc(), proc({ pid: 8 })] }),
        "a NaN CPU": top({ byCpu: [proc({ cpuPercent: NaN })] }),
        "a negative CPU": top({ byCpu: [proc({ cpuPercent: -1 })] }),
        "memory above 100 %": top({ byMemory: [proc({ memPercent: 101 })] }),
        "no pid": top({ byMemory: [proc({ pid: 0 })] }),
        "no time": top({ unixMs: 0 }),
        "agent info instead": { case: "agentInfo", value: createAgentInfo({ pid: 1 }) },
      };
      for (const [what, result] of Object.entries(bad)) {
        const r = await ask(result);
        assertEquals([r.status, errorCode(r)], [502, "agent_invalid_answer"], what);
      }
    } finally {
      await channel.close();
    }
  },
);
