/**
 * A hub restart and an "any N" check: at the hub's start no host is known
 * online yet, and the assigner keeps what is stored until hosts' statuses
 * are known (its start-up grace), so the agent running the check is neither
 * told to drop it nor loses its slow-response alert. A real hub, restarted
 * on its ports, and a raw agent stream that keeps what the hub pushes. On
 * both stores (DATABASE_URL set: PostgreSQL).
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { Channel } from "../agent/grpc.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import { rawAgent } from "./probe.ts";
import { enroll, type Hub, openHubStore, processTest, startHub, until } from "./harness.ts";
import { ok } from "./alerts_harness.ts";

interface AlertRow {
  id: number;
  host_id: string | null;
  state: string;
}

processTest(
  "a hub restart does not take an 'any N' check off its agent, nor close its slow alert",
  async (t) => {
    let hub: Hub = await startHub(`${t.dir}/hub`);
    // The hub's database outlives its first process: only the last one is disposed.
    t.own({ dispose: () => hub.dispose() });
    const { key, identity } = await enroll(hub, `${t.dir}/agent`, "r1");
    const connect = (h: Hub) => {
      const channel = new Channel(h.grpc, { serverName: HUB_TLS_NAME, caPem: identity.caPem });
      const agent = rawAgent(channel, identity);
      t.own({
        stop: async () => {
          agent.stream.cancel();
          await channel.close();
        },
      });
      return { agent, channel };
    };
    let { agent, channel } = connect(hub);
    await agent.ready;
    const check = await ok<{ id: string }>(hub, key, "POST", "/api/v1/checks", {
      name: "Cache",
      type: "tcp",
      target: "cache.internal:6379",
      interval_s: 30,
      runs_on: { any: 1 },
      rounds: 1,
      recover_rounds: 1,
    });
    const item = `check:${check.id}`;
    const holds = (a: typeof agent) => a.desired.some((d) => d.set.some((i) => i.key === item));
    await until("the agent holds the check", () => holds(agent));
    const rule = await ok<{ id: string }>(hub, key, "POST", "/api/v1/alert-rules", {
      name: "Cache slow",
      kind: "check_slow",
      labels: { check: "*" },
      threshold: 1, // the raw agent's rounds take 1.5 ms
      for_s: 0,
    });
    await agent.round(check.id, true, Date.now());
    const firing =
      async () => (await ok<AlertRow[]>(hub, key, "GET", `/api/v1/alerts?rule=${rule.id}`));
    await until("the slow alert fires", async () => (await firing())[0]?.state === "firing");
    const [slow] = await firing();
    assertEquals(slow.host_id, identity.agentId);

    // What the agent is assigned, as stored.
    const assigned = async () => {
      const store = openHubStore(hub);
      try {
        return await store.settings.get(`host.${identity.agentId}.checks`);
      } finally {
        await store.close();
      }
    };
    const before = await assigned();
    assert(before?.includes(check.id), `stored with the check: ${before}`);

    agent.stream.cancel();
    await channel.close();
    await hub.proc.stop();
    hub = await startHub(`${t.dir}/hub`, hub.ports);
    // The hub's first pass is done once it is ready: the agent, not back yet, keeps the check.
    assertEquals(await assigned(), before);

    ({ agent, channel } = connect(hub));
    await agent.ready;
    await until("the hub sends the agent its desired state", () => agent.desired.length > 0);
    assert(holds(agent), "the first desired state after the restart holds the check");
    // A pass after the agent is back (a check added waits for one), and a slow round more.
    await ok(hub, key, "POST", "/api/v1/checks", {
      name: "Nightly",
      type: "push",
      interval_s: 3600,
    });
    await agent.round(check.id, true, Date.now());
    assertEquals(
      agent.desired.filter((d) => d.removed.includes(item)).length,
      0,
      "the agent was never told to drop the check",
    );
    assertEquals((await firing()).map((a) => [a.id, a.state]), [[slow.id, "firing"]]);
  },
);
