/**
 * The control channel between real processes: the hub asks a connected
 * agent about itself over its stream (REST → main → ingest → agent → back);
 * the documented 4xx for an unknown host and an agent that is not
 * connected; a metrics interval set on the hub reaches the agent, which
 * follows it, keeps it across its own restart and the hub's, and on
 * reconnecting gets a change made while it was away as a diff.
 */
import { Buffer } from "node:buffer";
import { assert, assertEquals } from "../lib/assert.ts";
import { Channel, GrpcError, Status } from "../agent/grpc.ts";
import { decodeHubMessage, encodeAgent, METHODS } from "../agent/wire.ts";
import { authMetadata, signStream } from "../lib/stream_auth.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import { probeHello } from "./probe.ts";
import { enroll, type Hub, type Proc, startAgent, startHub } from "./harness.ts";

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

Deno.test({
  name: "the hub asks a connected agent for its info; unknown host is 404, an offline agent 409",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-control-" });
    const hub = await startHub(`${dir}/hub`);
    let agent: Proc | null = null;
    try {
      const { key, identity } = await enroll(hub, `${dir}/agent`, "ctl-1");
      const path = `/api/v1/hosts/${identity.agentId}/agent`;
      const before = await call(hub, key, "GET", path);
      assertEquals([before.status, errorCode(before)], [409, "agent_not_connected"]);

      agent = startAgent(`${dir}/agent`, 1);
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

      const unknown = await call(hub, key, "GET", "/api/v1/hosts/nope/agent");
      assertEquals([unknown.status, errorCode(unknown)], [404, "not_found"]);

      await agent.stop();
      agent = null;
      const gone = await call(hub, key, "GET", path);
      assertEquals([gone.status, errorCode(gone)], [409, "agent_not_connected"]);
    } finally {
      await agent?.stop();
      await hub.dispose();
    }
  },
});

Deno.test({
  name: "an agent that never answers is a 504, a malformed answer a 502 that ends only its stream",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-control-" });
    const hub = await startHub(`${dir}/hub`);
    let agent: Proc | null = null;
    try {
      const real = await enroll(hub, `${dir}/real`, "real");
      agent = startAgent(`${dir}/real`, 1);
      const { key, identity } = await enroll(hub, `${dir}/raw`, "raw");
      const channel = new Channel(hub.grpc, { serverName: HUB_TLS_NAME, caPem: identity.caPem });
      /** A stream that says Hello, then answers requests with `answer` (or not at all). */
      const rawAgent = (answer?: (id: number) => Uint8Array) => {
        let welcomed: () => void;
        const ready = new Promise<void>((r) => (welcomed = r));
        const stream = channel.stream(
          METHODS.connect,
          authMetadata(signStream(identity.agentId, Buffer.from(identity.agentKey, "base64"))),
          (bytes) => {
            const kind = decodeHubMessage(bytes).kind;
            if (kind.case === "welcome") welcomed();
            if (kind.case === "request" && answer) stream.write(answer(kind.value.id));
          },
        );
        stream.write(probeHello("raw", 30));
        return { stream, ready };
      };
      const path = `/api/v1/hosts/${identity.agentId}/agent`;
      try {
        // An agent older than the control channel reads the request and never answers.
        const old = rawAgent();
        await old.ready;
        const silent = await call(hub, key, "GET", path);
        assertEquals([silent.status, errorCode(silent)], [504, "agent_timeout"]);
        old.stream.cancel();
        await old.stream.status.catch(() => {});

        // A newer agent's "unsupported".
        const picky = rawAgent((id) =>
          encodeAgent({
            case: "response",
            value: { id, result: { case: "error", value: { code: 1, message: "?" } } },
          })
        );
        await picky.ready;
        const unsupported = await call(hub, key, "GET", path);
        assertEquals([unsupported.status, errorCode(unsupported)], [409, "agent_unsupported"]);
        picky.stream.cancel();
        await picky.stream.status.catch(() => {});

        // An answer without a result breaks the protocol: a 502, and the hub ends that stream.
        const broken = rawAgent((id) =>
          encodeAgent({ case: "response", value: { id, result: { case: undefined } } })
        );
        await broken.ready;
        const bad = await call(hub, key, "GET", path);
        assertEquals([bad.status, errorCode(bad)], [502, "agent_invalid_answer"]);
        const ended = await broken.stream.status.then(() => "ok", (e) => e);
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
    } finally {
      await agent?.stop();
      await hub.dispose();
    }
  },
});

Deno.test({
  name:
    "a hub-set interval reaches the agent, survives its restart and the hub's, and a change made while it was away arrives as a diff",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-control-" });
    let hub = await startHub(`${dir}/hub`);
    let agent: Proc | null = null;
    try {
      const { key, identity } = await enroll(hub, `${dir}/agent`, "ctl-2");
      const interval = `/api/v1/hosts/${identity.agentId}/interval`;
      // Bad input changes nothing.
      for (const body of [{ interval_s: 0 }, { interval_s: 1.5 }, { interval_s: "2" }, "{oops"]) {
        const r = await call(hub, key, "PUT", interval, body);
        assertEquals(r.status, 400, JSON.stringify(body));
      }
      const missing = await call(hub, key, "PUT", "/api/v1/hosts/nope/interval", { interval_s: 5 });
      assertEquals([missing.status, errorCode(missing)], [404, "not_found"]);

      agent = startAgent(`${dir}/agent`, 1);
      await agent.waitForLine(/Connected to hub/);
      const set = await call(hub, key, "PUT", interval, { interval_s: 3 });
      assertEquals(set.body, { id: identity.agentId, interval_s: 3, desired_version: 1 });
      await agent.waitForLine(/Applied desired state version=1 full=true interval_s=3/);
      // The loop follows it: batches now come 3 s apart.
      const from = agent.lines.length;
      await agent.waitForLine(/Batch queued/); // the cycle already scheduled at 1 s
      await new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if (batchTimes(agent!, from).length >= 3) (clearInterval(check), resolve());
        }, 100);
        agent!.status.then(() => (clearInterval(check), reject(new Error("agent exited"))));
      });
      const times = batchTimes(agent, from);
      const gap = times.at(-1)! - times.at(-2)!;
      assert(gap > 2500 && gap < 3500, `batches ${gap} ms apart, not 3 s`);

      // The agent restarts: it starts at 3 s from its own store, and needs nothing sent.
      await agent.stop();
      agent = startAgent(`${dir}/agent`, 1);
      await agent.waitForLine(/Agent started .*interval_s=3/);
      await agent.waitForLine(/Connected to hub/);
      const info = await call(hub, key, "GET", `/api/v1/hosts/${identity.agentId}/agent`);
      assertEquals([info.body.metrics_interval_s, info.body.desired_version], [3, 1]);

      // The hub restarts while the agent is away, and the interval is unset meanwhile.
      await agent.stop();
      agent = null;
      const ports = hub.ports;
      await hub.proc.stop();
      hub = await startHub(`${dir}/hub`, ports);
      const unset = await call(hub, key, "PUT", interval, { interval_s: null });
      assertEquals(unset.body.desired_version, 2);
      agent = startAgent(`${dir}/agent`, 1);
      await agent.waitForLine(/Agent started .*interval_s=3/);
      await agent.waitForLine(/Applied desired state version=2 full=false interval_s=1/);
      await hub.proc.waitForLine(/Sent desired state .*version=2 full=false set=0 removed=1/);
      const after = await call(hub, key, "GET", `/api/v1/hosts/${identity.agentId}/agent`);
      assertEquals([after.body.metrics_interval_s, after.body.desired_version], [1, 2]);
    } finally {
      await agent?.stop();
      await hub.dispose();
    }
  },
});
