/**
 * A push check's alert, between real processes: a hub (two on one
 * PostgreSQL for the cluster's case) and a webhook receiver the test runs.
 * A push check has no agent: its check_down alert is on no host. Its period
 * passing without a push fires the alert once, naming the check; a push
 * resolves it once. On both stores (DATABASE_URL set: PostgreSQL).
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { type Hub, hubCli, lastLine, processTest, startHub, until } from "./harness.ts";
import { ok, onlyTheTestsRules, Receiver, rest } from "./alerts_harness.ts";
import { testDatabaseServer } from "./pg.ts";

/** A row of GET /api/v1/alerts: the fields issue 19 names, and more. */
interface AlertRow {
  id: number;
  rule_id: string;
  host_id: string | null;
  labels: Record<string, string>;
  state: string;
  value: number | null;
  started_at: string;
  resolved_at: string | null;
  acknowledged_by: string | null;
}

const CONTRACT = [
  "id",
  "rule_id",
  "host_id",
  "labels",
  "state",
  "value",
  "started_at",
  "resolved_at",
  "acknowledged_by",
];

/** An API key, the test's rules only (a check_down rule for every check) and its webhook. */
async function setUp(hub: Pick<Hub, "http" | "env">, receiver: Receiver) {
  const key = lastLine((await hubCli(hub, "apikey", "create", "test")).stdout);
  await onlyTheTestsRules(hub, key, receiver);
  const rule = await ok<{ id: string }>(hub, key, "POST", "/api/v1/alert-rules", {
    name: "Job silent",
    kind: "check_down",
    labels: { check: "*" },
    severity: "critical",
    repeat_s: 0,
    group_s: 0,
  });
  // Period 5 s (the shortest): silence past it is the check down.
  const check = await ok<{ id: string; push_url: string }>(hub, key, "POST", "/api/v1/checks", {
    name: "Nightly backup",
    type: "push",
    interval_s: 5,
  });
  return { key, rule: rule.id, check };
}

processTest(
  "a push check silent past its period fires one alert on no host; a push resolves it once",
  async (t) => {
    const receiver = t.own(new Receiver());
    const hub = t.own(await startHub(`${t.dir}/hub`));
    const { key, rule, check } = await setUp(hub, receiver);

    const fired = await receiver.waitFor("firing", 1, 30_000);
    assertEquals(fired.title, "[FIRING] Job silent on check Nightly backup");
    const [told] = fired.alerts;
    assertEquals(
      [told.host, told.check, told.host_id, told.labels, told.state],
      [null, { id: check.id, name: "Nightly backup" }, null, { check: check.id }, "firing"],
    );
    assert(fired.text.includes("check Nightly backup"), fired.text);

    // The REST API lists it with host_id null, in the shape issue 19 gives.
    const [row] = await ok<AlertRow[]>(hub, key, "GET", `/api/v1/alerts?rule=${rule}`);
    for (const f of CONTRACT) assert(f in row, `an alert row has ${f}`);
    assertEquals([row.id, row.host_id, row.labels, row.state], [
      told.id,
      null,
      { check: check.id },
      "firing",
    ]);
    // The navigation counts it; no host's badge does.
    const counts = await ok<{ firing: number; hosts: Record<string, unknown> }>(
      hub,
      key,
      "GET",
      "/api/v1/alerts/counts",
    );
    assertEquals([counts.firing, counts.hosts], [1, {}]);

    const pushed = await fetch(`${hub.http}${check.push_url}`);
    assertEquals(pushed.status, 200);
    await pushed.body?.cancel();
    const resolved = await receiver.waitFor("resolved");
    assertEquals(resolved.title, "[RESOLVED] Job silent on check Nightly backup");
    assertEquals(resolved.alerts.map((a) => [a.id, a.host_id, a.state]), [
      [told.id, null, "resolved"],
    ]);

    // Silent again: a new alert fires (the first was told once, and resolved once).
    const again = await receiver.waitFor("firing", 2, 30_000);
    assert(again.alerts[0].id !== told.id, "a new alert");
    assertEquals([receiver.count("firing"), receiver.count("resolved")], [2, 1]);
    const rows = await ok<AlertRow[]>(hub, key, "GET", `/api/v1/alerts?rule=${rule}`);
    assertEquals(rows.map((r) => [r.id, r.host_id, r.state]), [
      [again.alerts[0].id, null, "firing"],
      [told.id, null, "resolved"],
    ]);

    // A silence by rule mutes an alert on no host too: its resolve is not told (its fire
    // was, so the resolve would be), and it still resolves.
    const silence = await rest(hub, key, "POST", "/api/v1/silences", {
      rule_id: rule,
      ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      reason: "restoring backups",
    });
    assertEquals(silence.status, 201, JSON.stringify(silence.body));
    const muted = await ok<Array<AlertRow & { muted: string | null }>>(
      hub,
      key,
      "GET",
      `/api/v1/alerts?state=firing`,
    );
    assertEquals(muted.map((a) => a.muted), ["silenced: restoring backups"]);
    await (await fetch(`${hub.http}${check.push_url}`)).body?.cancel();
    await until(
      "the second alert resolved",
      async () =>
        (await ok<AlertRow[]>(hub, key, "GET", `/api/v1/alerts?rule=${rule}`))[0].state ===
          "resolved",
    );
    await until(
      "deliveries settled",
      async () =>
        (await ok<Array<{ state: string }>>(hub, key, "GET", "/api/v1/notifications")).every((n) =>
          n.state !== "queued"
        ),
    );
    assertEquals([receiver.count("firing"), receiver.count("resolved")], [2, 1]);
  },
);

processTest(
  "two hubs: a silent push check fires once, and a push to the other hub resolves it once",
  async (t) => {
    if (!testDatabaseServer()) return; // a cluster needs PostgreSQL
    const receiver = t.own(new Receiver());
    // One data dir: hubs of a cluster share the secret and the database.
    const a = t.own(await startHub(`${t.dir}/hub`));
    const b = t.own(await startHub(`${t.dir}/hub`));
    const { key, rule, check } = await setUp(a, receiver);

    // Both hubs judge the silence; the alert is claimed once, and told once.
    const fired = await receiver.waitFor("firing", 1, 30_000);
    assertEquals(fired.alerts.map((x) => [x.host_id, x.labels]), [[null, { check: check.id }]]);
    // The push lands on hub B, whichever hub opened the alert.
    const pushed = await fetch(`${b.http}${check.push_url}`);
    assertEquals(pushed.status, 200);
    await pushed.body?.cancel();
    const resolved = await receiver.waitFor("resolved");
    assertEquals(resolved.alerts[0].id, fired.alerts[0].id);
    // Silent again: the second alert comes, told once like the first (by one hub).
    await receiver.waitFor("firing", 2, 30_000);
    const rows = await ok<AlertRow[]>(b, key, "GET", `/api/v1/alerts?rule=${rule}`);
    assertEquals(rows.map((r) => [r.host_id, r.state]), [[null, "firing"], [null, "resolved"]]);
    await until(
      "both hubs' deliveries settled",
      async () =>
        (await ok<Array<{ state: string }>>(a, key, "GET", "/api/v1/notifications")).every((n) =>
          n.state !== "queued"
        ),
    );
    assertEquals([receiver.count("firing"), receiver.count("resolved")], [2, 1]);
  },
);
