/**
 * Scale-out: two hub processes on one PostgreSQL database serve one fleet. A
 * browser on either sees live events from agents on the other; status stays
 * right when an agent moves between hubs and when a hub dies.
 * Runs when the suite runs against PostgreSQL.
 */
import { assertEquals } from "../lib/assert.ts";
import {
  api,
  EventStream,
  hubCli,
  lastLine,
  type Proc,
  registerAgent,
  startAgent,
  startHub,
} from "./harness.ts";
import { testDatabaseServer } from "./pg.ts";

Deno.test({
  name: "two hubs on one database show the same fleet live, across a move and a hub's death",
  ignore: testDatabaseServer() === null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-scale-" });
    // One data dir: hubs in a cluster share the secret agents' keys derive from, and the CA.
    const a = await startHub(`${dir}/hub`);
    const b = await startHub(`${dir}/hub`);
    let agent: Proc | null = null;
    try {
      const key = lastLine((await hubCli(a, "apikey", "create", "test")).stdout);
      const token = lastLine((await hubCli(a, "token", "create", "--name", "web-1")).stdout);
      assertEquals((await registerAgent(a, token, `${dir}/agent`)).code, 0);
      const identityPath = `${dir}/agent/identity.json`;
      const identity = JSON.parse(await Deno.readTextFile(identityPath));
      const onA = new EventStream(`${a.http}/api/v1/events`, key);
      const onB = new EventStream(`${b.http}/api/v1/events`, key);
      const status = (s: string) => (e: { event: string; data: Record<string, unknown> }) =>
        e.event === "host.status" && e.data.id === identity.agentId && e.data.status === s;

      // The agent talks to hub A; a browser on hub B sees it live.
      agent = startAgent(`${dir}/agent`, 1);
      await onB.waitFor("online, seen on B", status("online"));
      await onB.waitFor(
        "metrics, seen on B",
        (e) => e.event === "host.metrics" && e.data.id === identity.agentId,
      );
      const onBRest = await api<Array<{ name: string; status: string }>>(b, key, "/api/v1/hosts");
      assertEquals(onBRest.map((h) => [h.name, h.status]), [["web-1", "online"]]);

      // The agent moves to hub B (as a load balancer might send it).
      const beforeStop = onB.events.length;
      await agent.stop();
      await onB.waitFor("offline after the agent stopped", status("offline"), 15_000, beforeStop);
      await Deno.writeTextFile(identityPath, JSON.stringify({ ...identity, hub: b.grpc }));
      const seenOnA = onA.events.length;
      agent = startAgent(`${dir}/agent`, 1);
      await onA.waitFor(
        "online again, seen on A",
        status("online"),
        15_000,
        seenOnA,
      );
      await onA.waitFor(
        "metrics from B, seen on A",
        (e) => e.event === "host.metrics",
        15_000,
        seenOnA,
      );

      // Hub B dies with the agent on it: hub A marks the host offline when B's presence runs out.
      const seen = onA.events.length;
      await b.proc.stop("SIGKILL");
      await onA.waitFor("offline on A after B died", status("offline"), 30_000, seen);
      const onARest = await api<Array<{ status: string }>>(a, key, "/api/v1/hosts");
      assertEquals(onARest.map((h) => h.status), ["offline"]);
      await onA.close();
      await onB.close();
    } finally {
      await agent?.stop();
      await b.proc.stop();
      await a.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "of two hubs on one database only the rollup lease holder rolls up; the other takes over",
  ignore: testDatabaseServer() === null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-lease-" });
    // Debug lines say each rollup run that took batches; runs every second.
    const env = { SIGHTLINE_LOG_LEVEL: "debug", SIGHTLINE_ROLLUP_EVERY: "1" };
    const a = await startHub(`${dir}/hub`, undefined, env);
    const b = await startHub(`${dir}/hub`, undefined, env);
    let agent: Proc | null = null;
    try {
      const took = /Took the rollup lease/;
      const rolled = /history: Rolled up batches=\d+/;
      // A came first and holds the lease from before it was ready; B waits.
      await a.proc.waitForLine(took);
      const token = lastLine((await hubCli(a, "token", "create", "--name", "web-1")).stdout);
      assertEquals((await registerAgent(a, token, `${dir}/agent`)).code, 0);
      const identityPath = `${dir}/agent/identity.json`;
      const identity = JSON.parse(await Deno.readTextFile(identityPath));
      // The agent streams to B; A, the holder, rolls up what B stores.
      await Deno.writeTextFile(identityPath, JSON.stringify({ ...identity, hub: b.grpc }));
      agent = startAgent(`${dir}/agent`, 1);
      await b.proc.waitForLine(/Agent connected/, 30_000);
      await a.proc.waitForLine(rolled, 30_000);
      const onB = () => b.proc.lines.filter((l) => took.test(l) || rolled.test(l));
      assertEquals(onB(), []);

      // A stops (and gives the lease up): B takes it and rolls up from then on.
      await a.proc.stop();
      await b.proc.waitForLine(took, 30_000);
      await b.proc.waitForLine(rolled, 30_000);
    } finally {
      await agent?.stop();
      await b.proc.stop();
      await a.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
