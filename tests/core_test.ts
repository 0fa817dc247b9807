/**
 * The core promise, end to end over loopback: a real hub, a real agent.
 * Register with a one-time token, go online over SSE, report figures that
 * match this machine, and refuse every stream that is not properly signed.
 */
import { Buffer } from "node:buffer";
import { statfsSync } from "node:fs";
import * as tls from "node:tls";
import * as grpc from "@grpc/grpc-js";
import { signStream } from "../lib/stream_auth.ts";
import { tryConnect } from "./probe.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import { assert, assertEquals } from "../lib/assert.ts";
import {
  api,
  EventStream,
  hubCli,
  lastLine,
  processTest,
  registerAgent,
  startAgent,
  startHub,
} from "./harness.ts";

function memTotalBytes(): number {
  const m = /^MemTotal:\s+(\d+) kB/m.exec(Deno.readTextFileSync("/proc/meminfo"))!;
  return Number(m[1]) * 1024;
}

processTest(
  "an agent registers, goes online over SSE and reports this machine's figures",
  async ({ dir, own }) => {
    const hub = own(await startHub(`${dir}/hub`));
    const agents: Array<{ stop(): Promise<unknown> }> = [];
    own({
      async stop() {
        for (const a of agents) await a.stop();
      },
    });
    const key = lastLine((await hubCli(hub, "apikey", "create", "test")).stdout);
    assert(key.startsWith("sl_key_"), key);
    const token = lastLine((await hubCli(hub, "token", "create", "--name", "web-1")).stdout);
    assert(token.startsWith("sl_reg_"), token);
    const sse = new EventStream(`${hub.http}/api/v1/events`, key);

    const reg = await registerAgent(hub, token, `${dir}/agent`);
    assertEquals(reg.code, 0, reg.output);
    const again = await registerAgent(hub, token, `${dir}/agent-2`);
    assertEquals(again.code, 1);
    assert(again.output.includes("token was already used"), again.output);

    const identity = JSON.parse(await Deno.readTextFile(`${dir}/agent/identity.json`));
    const started = Date.now();
    const agent = startAgent(`${dir}/agent`);
    agents.push(agent);
    const online = await sse.waitFor(
      "host.status online",
      (e) =>
        e.event === "host.status" && e.data.id === identity.agentId && e.data.status === "online",
      10_000,
    );
    assert(Date.now() - started < 10_000);
    assertEquals(online.data.id, identity.agentId);
    await sse.waitFor(
      "host.metrics",
      (e) => e.event === "host.metrics" && e.data.id === identity.agentId,
    );

    const hosts = await api<Array<Record<string, unknown>>>(hub, key, "/api/v1/hosts");
    assertEquals(hosts.map((h) => [h.name, h.status]), [["web-1", "online"]]);
    const host = await api<
      { latest: Record<string, unknown>; environment: string; agent_version: string }
    >(
      hub,
      key,
      `/api/v1/hosts/${identity.agentId}`,
    );
    assertEquals(host.latest.mem_total_bytes, memTotalBytes());
    const root = (host.latest.filesystems as Array<{ mount: string; size_bytes: number }>)
      .find((f) => f.mount === "/");
    const fs = statfsSync("/") as unknown as { blocks: number; frsize?: number; bsize: number };
    assertEquals(root?.size_bytes, fs.blocks * (fs.frsize || fs.bsize));
    assert(typeof host.latest.cpu_percent === "number");
    assert(["container", "vm", "physical", "unknown"].includes(host.environment));

    const series = await api<{ points: Array<[number, number | null]>; step_s: number }>(
      hub,
      key,
      `/api/v1/hosts/${identity.agentId}/metrics?metric=mem_used_bytes&from=${
        new Date(started - 60_000).toISOString()
      }`,
    );
    assert(series.points.some(([, v]) => v !== null && v > 0), "a memory point was stored");
    assertEquals(series.step_s, 1);

    // Every stream that is not signed properly is refused, and logged.
    const key32 = Buffer.from(identity.agentKey, "base64");
    const good = signStream(identity.agentId, key32);
    assertEquals(await tryConnect(hub.grpc, identity.caPem, good), "welcomed");
    assertEquals(await tryConnect(hub.grpc, identity.caPem, good), grpc.status.UNAUTHENTICATED);
    const forged = signStream(identity.agentId, new Uint8Array(32));
    assertEquals(await tryConnect(hub.grpc, identity.caPem, forged), grpc.status.UNAUTHENTICATED);
    const stale = signStream(identity.agentId, key32, Date.now() - 6 * 60_000);
    assertEquals(await tryConnect(hub.grpc, identity.caPem, stale), grpc.status.UNAUTHENTICATED);
    assertEquals(await tryConnect(hub.grpc, identity.caPem, {}), grpc.status.UNAUTHENTICATED);
    // A stream that breaks the protocol is ended with a status, not left hanging.
    assertEquals(
      await tryConnect(hub.grpc, identity.caPem, signStream(identity.agentId, key32), true),
      grpc.status.INVALID_ARGUMENT,
    );
    for (const reason of ["replay", "bad_signature", "skew", "missing"]) {
      await hub.proc.waitForLine(new RegExp(`Refused agent stream reason=${reason}`), 5000);
    }
    // The real agent is untouched by the refused probes.
    const hostAfter = await api<{ status: string }>(
      hub,
      key,
      `/api/v1/hosts/${identity.agentId}`,
    );
    assertEquals(hostAfter.status, "online");
    // Nor is the ingest process: refused registrations and streams, and
    // probes hanging up, once crashed Deno's HTTP/2 server under it.
    const died = hub.proc.lines.filter((l) => /Ingest process died/.test(l));
    assertEquals(died, []);

    const beforeStop = sse.events.length;
    await agent.stop();
    await sse.waitFor(
      "host.status offline",
      (e) => e.event === "host.status" && e.data.status === "offline",
      10_000,
      beforeStop,
    );
    await sse.close();
  },
);

/** Completes a TLS handshake pinned to one protocol version; resolves with the outcome. */
function handshake(addr: string, version: tls.SecureVersion): Promise<string> {
  const [host, port] = addr.split(":");
  return new Promise((resolve) => {
    const s = tls.connect({
      host,
      port: Number(port),
      rejectUnauthorized: false,
      servername: HUB_TLS_NAME,
      ALPNProtocols: ["h2"],
      minVersion: version,
      maxVersion: version,
    });
    s.on("secureConnect", () => {
      resolve(s.getProtocol() ?? "unknown");
      s.destroy();
    });
    s.on("error", () => resolve("refused"));
  });
}

Deno.test("the hub's agent port speaks TLS 1.3 only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sightline-tls-" });
  const hub = await startHub(`${dir}/hub`);
  try {
    assertEquals(await handshake(hub.grpc, "TLSv1.3"), "TLSv1.3");
    assertEquals(await handshake(hub.grpc, "TLSv1.2"), "refused");
  } finally {
    await hub.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
