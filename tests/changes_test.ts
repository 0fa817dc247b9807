/**
 * What changed on a host, end to end: a real hub on loopback, a real agent
 * restarted, and a simulated agent (tests/sim_agent.ts) that reconnects,
 * replays batches, reboots onto a new kernel with a new agent version and
 * reconnects again, several streams at once. Each change shows once in
 * GET /api/v1/hosts/:id/changes; reconnects and replays show nothing.
 */
import { assertEquals } from "../lib/assert.ts";
import { api, enroll, processTest, startAgent, startHub, until } from "./harness.ts";
import { session, type SimBatch } from "./sim_agent.ts";

interface Change {
  ts: string;
  kind: string;
  summary: string;
  details: Record<string, unknown>;
}

processTest(
  "changes: an agent restart, a reboot and an upgrade show once each; reconnects and replays show nothing",
  async ({ dir, own }) => {
    const hub = own(await startHub(`${dir}/hub`));

    // A real agent, started, stopped and started again: one start, one restart.
    const real = await enroll(hub, `${dir}/real`, "real");
    const realId = real.identity.agentId;
    const latestSeq = async () =>
      ((await api<{ latest: { seq: number } | null }>(hub, real.key, `/api/v1/hosts/${realId}`))
        .latest?.seq) ?? 0;
    let agent = startAgent(`${dir}/real`, 1);
    await until("the real agent's first batch", async () => (await latestSeq()) >= 1);
    await agent.stop();
    const before = await latestSeq();
    agent = own(startAgent(`${dir}/real`, 1));
    await until("a batch from the restarted agent", async () => (await latestSeq()) > before);
    const realChanges = await api<Change[]>(hub, real.key, `/api/v1/hosts/${realId}/changes`);
    assertEquals(realChanges.map((c) => c.kind), ["agent_start", "agent_restart"]);
    assertEquals(realChanges[1].summary, "Agent restarted");

    // A simulated agent, up 1,000 s when it first connects.
    const sim = await enroll(hub, `${dir}/sim`, "sim");
    const simId = sim.identity.agentId;
    const now = Date.now();
    const first = now - 10 * 60_000;
    const old = { agentStartedUnixMs: first, kernel: "6.1.0-17-amd64", agentVersion: "1.0.0" };
    const up = (seq: number): SimBatch => ({
      seq,
      unixMs: first + seq * 30_000,
      uptimeS: 1000 + seq * 30,
    });
    const connect = (hello: typeof old, batches: SimBatch[]) =>
      session(hub.grpc, sim.identity, hello, batches);
    await connect(old, [up(1), up(2)]);
    // Reconnects of the same process, one replaying a batch already stored.
    await connect(old, [up(2), up(3)]);
    await connect(old, [up(4)]);
    // It reboots onto a new kernel and comes back with a new agent version.
    const booted = now - 40_000;
    const upgraded = {
      agentStartedUnixMs: booted + 5_000,
      kernel: "6.1.0-18-amd64",
      agentVersion: "1.1.0",
    };
    const after = (seq: number, s: number): SimBatch => ({
      seq,
      unixMs: booted + s * 1000,
      uptimeS: s,
    });
    await connect(upgraded, [after(5, 20), after(6, 30)]);
    // A reconnect storm: five streams at once, each replaying the reboot's batches.
    await Promise.all(
      Array.from({ length: 5 }, () => connect(upgraded, [after(5, 20), after(6, 30)])),
    );
    await connect(upgraded, [after(7, 35)]);

    const changes = await api<Change[]>(hub, sim.key, `/api/v1/hosts/${simId}/changes`);
    assertEquals(changes.map((c) => [c.kind, c.ts]), [
      ["agent_start", new Date(first).toISOString()],
      ["reboot", new Date(booted).toISOString()],
      ["agent_restart", new Date(booted + 5_000).toISOString()],
      ["agent_version", new Date(booted + 5_000).toISOString()],
      ["kernel", new Date(booted + 5_000).toISOString()],
    ]);
    const byKind = new Map(changes.map((c) => [c.kind, c]));
    assertEquals(byKind.get("kernel")!.summary, "Kernel 6.1.0-17-amd64 → 6.1.0-18-amd64");
    assertEquals(byKind.get("agent_version")!.summary, "Agent 1.0.0 → 1.1.0");
    assertEquals(byKind.get("reboot")!.details.previous_uptime_s, 1120);
    // Another host's changes are its own.
    assertEquals(
      (await api<Change[]>(hub, real.key, `/api/v1/hosts/${realId}/changes`)).length,
      2,
    );
  },
);
