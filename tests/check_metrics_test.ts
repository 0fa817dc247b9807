/**
 * Check rounds as metric series (issue 19, point 4), between real processes:
 * a real agent runs an HTTP check against a loopback server, and each round
 * becomes `check_response_ms` and `check_up` samples of its host (label
 * `check`), equal to the rounds stored, rolled up by the hub's own history
 * worker; a threshold rule on `check_up` fires and resolves; a replayed batch
 * writes nothing twice; and the check's series over 30 days come from the
 * rollups, in the API and on the check page.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { Channel } from "../agent/grpc.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import { rawAgent } from "./probe.ts";
import {
  call,
  enroll,
  hubCli,
  openHubStore,
  processTest,
  signIn,
  startAgent,
  startHub,
  until,
} from "./harness.ts";
import type { TierName } from "../hub/store/tiers.ts";

const DAY_MS = 86_400_000;

processTest("check rounds become metric series, rolled up, alerted on and charted", async (t) => {
  const hub = t.own(await startHub(`${t.dir}/hub`));
  let up = true;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(up ? "ok" : "unavailable", { status: up ? 200 : 503 }),
  );
  t.own({ stop: () => server.shutdown() });
  const edge = await enroll(hub, `${t.dir}/edge`, "edge");
  const key = edge.key;
  const edgeId = edge.identity.agentId;
  const agent = t.own(startAgent(`${t.dir}/edge`, 30, { SIGHTLINE_AGENT_HEARTBEAT: "2" }));
  await agent.waitForLine(/Agent connected|Connected/);

  const rule = await call(hub, key, "POST", "/api/v1/alert-rules", {
    name: "site down",
    kind: "threshold",
    metric: "check_up",
    op: "<",
    threshold: 1,
    recover: 1,
    for_s: 0,
    severity: "critical",
    scope: { all: true },
    labels: { check: "*" },
    repeat_s: 3600,
    group_s: 0,
  });
  assertEquals(rule.status, 201, JSON.stringify(rule.body));

  const made = await call(hub, key, "POST", "/api/v1/checks", {
    name: "Site",
    type: "http",
    target: `http://127.0.0.1:${server.addr.port}/`,
    // Longer than the agent's 5 s gathering: one round a batch.
    interval_s: 10,
    timeout_s: 2,
    runs_on: { hosts: [edgeId] },
  });
  assertEquals(made.status, 201, JSON.stringify(made.body));
  const id = made.body.id as string;

  const store = openHubStore(hub);
  try {
    const rounds = () => store.probes.rounds(id, 0, Date.now() + 60_000, 1000);
    await until("three passing rounds", async () => (await rounds()).length >= 3, 60_000);
    up = false;
    await until("a failing round", async () => (await rounds()).some((r) => !r.ok), 30_000);
    const alerts = async (state: string) =>
      (await call(hub, key, "GET", `/api/v1/alerts?state=${state}`)).body as Array<
        { labels: Record<string, string>; host_id: string; state: string }
      >;
    await until(
      "the check_up alert fires",
      async () => (await alerts("firing")).length > 0,
      20_000,
    );
    const [fired] = await alerts("firing");
    assertEquals([fired.host_id, fired.labels], [edgeId, { check: id }]);
    up = true;
    await until(
      "it resolves on the next passing round",
      async () => (await alerts("resolved")).length > 0 && (await alerts("firing")).length === 0,
      30_000,
    );
    await agent.stop();

    // The samples are the rounds: one a batch, at its batch's instant (a few s after the round).
    const stored = (await rounds()).filter((r) => r.host_id === edgeId);
    const raw = async (metric: string, host = edgeId) =>
      await store.metrics.queryRange({
        hostIds: [host],
        metric,
        label: id,
        tier: "raw",
        from: 0,
        to: Date.now() + 60_000,
        stepMs: 1,
      });
    const ups = await raw("check_up");
    assertEquals(ups.map((r) => r.avg), stored.map((r) => (r.ok ? 1 : 0)));
    const times = await raw("check_response_ms");
    assertEquals(times.map((r) => r.avg), stored.filter((r) => r.ok).map((r) => r.ms));
    for (const [i, u] of ups.entries()) {
      const lag = u.t - stored[i].ts;
      assert(lag >= 0 && lag < 15_000, `sample ${i} is ${lag} ms after its round`);
    }
    assertEquals(await store.metrics.seriesLabels(edgeId, "check_up"), [id]);

    // Another agent's rounds from its WAL, 3 and 20 days old; one batch sent twice.
    const past = await enroll(hub, `${t.dir}/past`, "past");
    const channel = new Channel(hub.grpc, { serverName: HUB_TLS_NAME, caPem: past.identity.caPem });
    const pastId = past.identity.agentId;
    try {
      const r = rawAgent(channel, past.identity);
      await r.ready;
      const now = Date.now();
      assertEquals(await r.round(id, true, now - 20 * DAY_MS), "");
      assertEquals(await r.round(id, true, now - 3 * DAY_MS), "");
      r.acks.clear();
      assertEquals(await r.round(id, true, now - 3 * DAY_MS, true), "", "the replay is acked");
      r.stream.cancel();
    } finally {
      await channel.close();
    }
    assertEquals((await raw("check_response_ms", pastId)).map((x) => x.avg), [1.5, 1.5]);

    // The hub's history worker rolls them up: once each (the replay doubled nothing), in every tier.
    const total = async (tier: TierName, host: string, metric = "check_response_ms") =>
      (await store.metrics.queryRange({
        hostIds: [host],
        metric,
        label: id,
        tier,
        from: 0,
        to: Date.now() + 60_000,
        stepMs: DAY_MS,
      })).reduce((s, x) => s + x.n, 0);
    const tiers: TierName[] = ["1m", "10m", "1h", "1d"];
    await until("the old rounds in every tier", async () => {
      for (const tier of tiers) if ((await total(tier, pastId)) !== 2) return false;
      return true;
    }, 30_000);
    await until(
      "the edge's rounds in the 1 min tier",
      async () => (await total("1m", edgeId, "check_up")) === ups.length,
      120_000,
    );
    assertEquals(await total("1m", edgeId), times.length);
    // Retention keeps raw samples 7 days: the 20-day-old one is gone from raw, kept in the tiers.
    await until(
      "retention took the old raw sample",
      async () => (await total("raw", pastId)) === 1,
    );

    // The API: 30 days per agent, from a rollup tier.
    const from = new Date(Date.now() - 30 * DAY_MS).toISOString();
    const month = await call(
      hub,
      key,
      "GET",
      `/api/v1/checks/${id}/metrics?metric=check_response_ms&from=${from}`,
    );
    assertEquals(month.status, 200, JSON.stringify(month.body));
    assert(month.body.tier !== "raw", `tier ${month.body.tier}`);
    const agents = month.body.agents as Array<
      { host_id: string; points: Array<[number, number | null]> }
    >;
    assertEquals(agents.map((a) => a.host_id).sort(), [edgeId, pastId].sort());
    const pastPoints = agents.find((a) => a.host_id === pastId)!.points.filter(([, v]) =>
      v !== null
    );
    assertEquals(pastPoints.map(([, v]) => v), [1.5, 1.5]);
    assert(
      pastPoints[0][0] < Date.now() - 19 * DAY_MS && pastPoints[1][0] < Date.now() - 2 * DAY_MS,
      "the buckets are 20 and 3 days back",
    );
    const bad = await call(hub, key, "GET", `/api/v1/checks/${id}/metrics?metric=cpu_percent`);
    assertEquals([bad.status, bad.body.error.message.includes("metric")], [400, true]);

    // The page draws the same: the 30 d range's tier, a line per agent.
    assertEquals(
      (await hubCli(hub, "user", "add", "ann", { stdin: "a long passphrase\n" })).code,
      0,
    );
    const cookie = await signIn(hub, "ann", "a long passphrase");
    const page = await (await fetch(`${hub.http}/checks/${id}?range=30d`, { headers: { cookie } }))
      .text();
    assert(page.includes(`data-tier="${month.body.tier}"`), "the chart reads the 30 d tier");
    assert(new RegExp(`<path data-host="${pastId}"`).test(page), "the old agent's line is drawn");
    assert(page.includes(`data-host="${pastId}" data-buckets="2"`), "two buckets of it");
    assert(/aria-current="true"[^>]*>30 d</.test(page), "30 d is the range shown");
    const day = await (await fetch(`${hub.http}/checks/${id}`, { headers: { cookie } })).text();
    assert(
      !day.includes(`data-host="${pastId}" data-buckets`),
      "24 h holds none of the old rounds",
    );
  } finally {
    await store.close();
  }
});
