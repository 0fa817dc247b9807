/** The alert and notification stores' conformance tests (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import { channel, host, type StoreTest } from "../conformance_helpers.ts";
import { type AlertRule, checkRule } from "../../../lib/alerts/rules.ts";
import type { Store } from "../store.ts";
import type { NotifySpec, OpenAlert } from "./types.ts";
import { LeaseLostError } from "../leases/types.ts";

function rule(id: string, extra: Record<string, unknown> = {}): AlertRule {
  const c = checkRule({
    name: `rule ${id}`,
    metric: "cpu_percent",
    op: ">",
    threshold: 90,
    ...extra,
  });
  if (!c.ok) throw new Error(c.error.problem);
  return { ...c.rule, id };
}

function opening(
  r: AlertRule,
  hostId: string,
  at: number,
  state: "pending" | "firing" = "pending",
): OpenAlert {
  return {
    rule: r,
    hostId,
    labels: {},
    labelsKey: "",
    state,
    severity: "warning",
    value: 95,
    threshold: 90,
    at,
  };
}

async function withChannel(s: Store, id = "c1") {
  await s.notifications.createChannel(channel(id));
}

const notify = (kind: NotifySpec["kind"], groupS = 0): NotifySpec => ({
  kind,
  channels: ["c1"],
  groupS,
});

/** Registers the alerting tests. */
export function alertsConformance(test: StoreTest): void {
  test("alerts: the defaults are added once, and a removed one stays removed", async (s) => {
    const defaults = [rule("d1"), rule("d2")];
    assertEquals(await s.alerts.seedDefaults(defaults, 1000), true);
    assertEquals((await s.alerts.rules()).map((r) => r.id), ["d1", "d2"]);
    assertEquals(await s.alerts.deleteRule("d1", 2000), []);
    assertEquals(await s.alerts.seedDefaults(defaults, 3000), false);
    assertEquals((await s.alerts.rules()).map((r) => r.id), ["d2"]);
    assertEquals((await s.alerts.rule("d2"))?.name, "rule d2");
  });

  test("alerts: of two hubs opening the same alert one opens it; fire and resolve are claimed once", async (s) => {
    await host(s, "h1");
    await withChannel(s);
    const r = rule("r1");
    await s.alerts.createRule(r, 1);
    const [a, b] = await Promise.all([
      s.alerts.open(opening(r, "h1", 1000), null),
      s.alerts.open(opening(r, "h1", 1001), null),
    ]);
    assertEquals([a.opened, b.opened].filter(Boolean).length, 1);
    assertEquals(a.alert.id, b.alert.id);
    const id = a.alert.id;
    const change = { value: 96, severity: "warning" as const, processes: { by_cpu: [] } };
    const fired = await Promise.all([
      s.alerts.fire(id, 5000, change, notify("firing")),
      s.alerts.fire(id, 5001, change, notify("firing")),
    ]);
    assertEquals(fired.filter(Boolean).length, 1);
    const got = await s.alerts.alert(id);
    assertEquals([got?.state, got?.value, got?.notified_at, got?.processes], [
      "firing",
      96,
      fired[0] ? 5000 : 5001,
      { by_cpu: [] },
    ]);
    // One notification for the one fire.
    assertEquals((await s.notifications.due(10_000, 10)).map((n) => [n.kind, n.items.length]), [
      ["firing", 1],
    ]);
    const resolved = await Promise.all([
      s.alerts.resolve(id, 9000, 50, notify("resolved")),
      s.alerts.resolve(id, 9001, 50, notify("resolved")),
    ]);
    assertEquals(resolved.filter(Boolean).length, 1);
    assertEquals((await s.alerts.openAlerts()).length, 0);
    assertEquals((await s.alerts.alerts({ state: "resolved", limit: 10 })).map((x) => x.id), [id]);
    // A new alert of the same series may open once the old one resolved.
    assertEquals((await s.alerts.open(opening(r, "h1", 10_000), null)).opened, true);
  });

  test("alerts: an alert on no host (a push check's) is opened once by two hubs, and counted apart", async (s) => {
    await host(s, "h1");
    await withChannel(s);
    const r = rule("down", {
      kind: "check_down",
      metric: undefined,
      op: undefined,
      threshold: undefined,
    });
    await s.alerts.createRule(r, 1);
    const nowhere = (at: number, check = "nightly"): OpenAlert => ({
      ...opening(r, "h1", at, "firing"),
      hostId: null,
      labels: { check },
      labelsKey: `check=${check}`,
      value: null,
      threshold: null,
    });
    const [a, b] = await Promise.all([
      s.alerts.open(nowhere(1000), notify("firing")),
      s.alerts.open(nowhere(1001), notify("firing")),
    ]);
    assertEquals([a.opened, b.opened].filter(Boolean).length, 1);
    assertEquals(a.alert.id, b.alert.id);
    assertEquals([a.alert.host_id, a.alert.labels, a.alert.state], [
      null,
      { check: "nightly" },
      "firing",
    ]);
    // One notification for the one fire.
    assertEquals((await s.notifications.due(10_000, 10)).map((n) => [n.kind, n.items.length]), [
      ["firing", 1],
    ]);
    // Another check's alert on no host is another alert; one on a host is apart from both.
    assertEquals((await s.alerts.open(nowhere(1100, "backup"), null)).opened, true);
    await s.alerts.open({ ...nowhere(1200), hostId: "h1" }, null);
    assertEquals((await s.alerts.openAlerts(null)).map((x) => x.labels.check).sort(), [
      "backup",
      "nightly",
    ]);
    assertEquals((await s.alerts.openAlerts("h1")).map((x) => x.host_id), ["h1"]);
    assertEquals(await s.alerts.firingCounts(), {
      "": { warning: 2, critical: 0 },
      h1: { warning: 1, critical: 0 },
    });
    // Removing a host leaves the alerts on none.
    await s.hosts.remove("h1");
    assertEquals((await s.alerts.openAlerts()).length, 2);
    assertEquals(await s.alerts.resolve(a.alert.id, 5000, null, notify("resolved")), true);
    assertEquals((await s.alerts.openAlerts(null)).map((x) => x.labels.check), ["backup"]);
    assertEquals((await s.alerts.open(nowhere(6000), null)).opened, true);
  });

  test("notifications: one rule's transitions within its group window make one notification", async (s) => {
    await withChannel(s);
    const r = rule("r1");
    await s.alerts.createRule(r, 1);
    for (const h of ["h1", "h2", "h3"]) await host(s, h);
    await s.alerts.open(opening(r, "h1", 1000, "firing"), notify("firing", 30));
    await s.alerts.open(opening(r, "h2", 20_000, "firing"), notify("firing", 30));
    // Past the first window: a notification of its own.
    await s.alerts.open(opening(r, "h3", 40_000, "firing"), notify("firing", 30));
    assertEquals(await s.notifications.due(30_000, 10), []);
    assertEquals(await s.notifications.nextDue(), 31_000);
    const due = await s.notifications.due(100_000, 10);
    assertEquals(due.map((n) => [n.due_at, n.items.length]), [[31_000, 2], [70_000, 1]]);
  });

  test("notifications: a resolve waits for its fire; attempts are kept; only the lease holder records", async (s) => {
    await host(s, "h1");
    await withChannel(s);
    const r = rule("r1");
    await s.alerts.createRule(r, 1);
    const { alert } = await s.alerts.open(opening(r, "h1", 1000, "firing"), notify("firing"));
    await s.alerts.resolve(alert.id, 2000, 10, notify("resolved"));
    const [fire] = await s.notifications.due(5000, 10);
    assertEquals((await s.notifications.due(5000, 10)).map((n) => n.kind), ["firing"]);
    await s.leases.acquire("notify", "hub-a", 60_000, Date.now());
    const retry = { ok: false as const, status: 503, detail: "busy", retryAt: 3000 };
    const lost = await s.notifications.attempted(fire.id, 2500, retry, "hub-b").then(
      () => null,
      (e) => e,
    );
    assertEquals(lost instanceof LeaseLostError, true);
    assertEquals(await s.notifications.attempted(fire.id, 2500, retry, "hub-a"), true);
    // Still queued for its retry: the resolve keeps waiting behind it.
    assertEquals((await s.notifications.due(5000, 10)).map((n) => n.kind), ["firing"]);
    const sent = { ok: true as const, status: 200, detail: "ok" };
    assertEquals(await s.notifications.attempted(fire.id, 3000, sent, "hub-a"), true);
    assertEquals(await s.notifications.attempted(fire.id, 3001, sent, "hub-a"), false);
    assertEquals((await s.notifications.due(5000, 10)).map((n) => n.kind), ["resolved"]);
    const told = await s.notifications.forAlert(alert.id);
    assertEquals(told.map((n) => [n.kind, n.state, n.attempt_log.map((a) => a.status)]), [
      ["firing", "sent", [503, 200]],
      ["resolved", "queued", []],
    ]);
  });

  test("notifications: a resolve held back behind its failing fire is not due, nor next due", async (s) => {
    // Its fire failing (a webhook down for hours), a resolve already due waits for the fire's
    // next try: the delivery loop, told it is due, would otherwise look again at once, forever.
    await host(s, "h1");
    await host(s, "h2");
    await withChannel(s);
    const r = rule("r1");
    await s.alerts.createRule(r, 1);
    const { alert } = await s.alerts.open(opening(r, "h1", 1000, "firing"), notify("firing"));
    await s.alerts.resolve(alert.id, 2000, 10, notify("resolved"));
    await s.leases.acquire("notify", "hub-a", 60_000, Date.now());
    const [fire] = await s.notifications.due(5000, 10);
    const retry = { ok: false as const, status: null, detail: "refused", retryAt: 60_000 };
    assertEquals(await s.notifications.attempted(fire.id, 5000, retry, "hub-a"), true);
    assertEquals(await s.notifications.due(6000, 10), []);
    assertEquals(await s.notifications.nextDue(), 60_000);
    // Another alert's fire, due sooner, is next; the resolve is due once its fire went.
    await s.alerts.open(opening(r, "h2", 10_000, "firing"), notify("firing"));
    assertEquals(await s.notifications.nextDue(), 10_000);
    const sent = { ok: true as const, status: 200, detail: "ok" };
    for (const n of await s.notifications.due(60_000, 10)) {
      assertEquals(await s.notifications.attempted(n.id, 60_000, sent, "hub-a"), true);
    }
    assertEquals((await s.notifications.due(60_000, 10)).map((n) => n.kind), ["resolved"]);
    assertEquals(await s.notifications.nextDue(), 2000);
  });

  test("alerts: a muted fire is not told, nor is its resolve; a reminder is claimed once", async (s) => {
    await host(s, "h1");
    await withChannel(s);
    const r = rule("r1");
    await s.alerts.createRule(r, 1);
    const { alert } = await s.alerts.open(opening(r, "h1", 1000, "firing"), null);
    assertEquals(alert.notified_at, null);
    // Its first notice once the mute is over; then reminders, each once.
    assertEquals(await s.alerts.remind(alert.id, null, 2000, notify("firing")), true);
    const twice = await Promise.all([
      s.alerts.remind(alert.id, 2000, 3000, notify("reminder")),
      s.alerts.remind(alert.id, 2000, 3000, notify("reminder")),
    ]);
    assertEquals(twice.filter(Boolean).length, 1);
    // Acknowledged: no more reminders.
    const acked = await s.alerts.acknowledge(alert.id, "ann", 3500);
    assertEquals([acked?.acknowledged_by, acked?.acknowledged_at], ["ann", 3500]);
    assertEquals(await s.alerts.acknowledge(alert.id, "bob", 3600), null);
    assertEquals(await s.alerts.remind(alert.id, 3000, 4000, notify("reminder")), false);

    const other = await s.alerts.open(opening(rule("r1"), "h1", 5000), null);
    assertEquals(other.opened, false, "one open alert per series");
    const muted = await s.alerts.open(
      { ...opening(r, "h1", 5000, "firing"), labels: { x: "1" }, labelsKey: "x=1" },
      null,
    );
    await s.alerts.resolve(muted.alert.id, 6000, 1, notify("resolved"));
    const kinds = (await s.notifications.due(10_000, 10)).map((n) => n.kind);
    assertEquals(kinds, ["firing"], "the muted alert's resolve was not queued");
  });

  test("alerts: changing or removing a rule closes its open alerts; removing a host removes its alerts", async (s) => {
    await host(s, "h1");
    await host(s, "h2");
    const r = rule("r1");
    await s.alerts.createRule(r, 1);
    await s.alerts.open(opening(r, "h1", 1000, "firing"), null);
    await s.alerts.open(opening(r, "h2", 1000), null);
    const changed = await s.alerts.updateRule({ ...r, threshold: 80 }, 2000);
    // What it closed, to tell the dashboards: the pending one as it was, the firing one resolved.
    assertEquals(
      changed?.map((a) => [a.host_id, a.state, a.closed_reason]).sort(),
      [["h1", "resolved", "rule changed"], ["h2", "pending", null]],
    );
    assertEquals((await s.alerts.openAlerts()).length, 0);
    const closed = await s.alerts.alerts({ limit: 10 });
    assertEquals(closed.map((a) => [a.host_id, a.state, a.closed_reason]), [
      ["h1", "resolved", "rule changed"],
    ]);
    await s.alerts.open(opening(r, "h1", 3000, "firing"), null);
    assertEquals((await s.alerts.deleteRule("r1", 4000))?.map((a) => a.closed_reason), [
      "rule removed",
    ]);
    assertEquals(await s.alerts.deleteRule("r1", 4000), null);
    assertEquals((await s.alerts.alerts({ state: "firing", limit: 10 })).length, 0);
    assertEquals(await s.hosts.remove("h1"), true);
    assertEquals((await s.alerts.alerts({ hostId: "h1", limit: 10 })).length, 0);
  });

  test("alerts: firing counts are per host and severity; pending and resolved ones are not counted", async (s) => {
    for (const id of ["h1", "h2", "h3"]) await host(s, id);
    const [a, b, c] = [rule("r1"), rule("r2"), rule("r3")];
    for (const r of [a, b, c]) await s.alerts.createRule(r, 1);
    assertEquals(await s.alerts.firingCounts(), {});
    await s.alerts.open(opening(a, "h1", 1000, "firing"), null);
    await s.alerts.open({ ...opening(b, "h1", 1000, "firing"), severity: "critical" }, null);
    await s.alerts.open(opening(c, "h1", 1000, "firing"), null);
    const pending = await s.alerts.open(opening(a, "h2", 1000), null);
    const gone = await s.alerts.open(opening(a, "h3", 1000, "firing"), null);
    await s.alerts.resolve(gone.alert.id, 2000, 1, null);
    assertEquals(await s.alerts.firingCounts(), { h1: { warning: 2, critical: 1 } });
    // Pending → firing counts from then on.
    await s.alerts.fire(pending.alert.id, 3000, {
      value: 99,
      severity: "critical",
      processes: null,
    }, null);
    assertEquals(await s.alerts.firingCounts(), {
      h1: { warning: 2, critical: 1 },
      h2: { warning: 0, critical: 1 },
    });
  });

  test("silences and maintenance windows are kept, ended and removed", async (s) => {
    const base = { rule_id: null, host_id: "h1", tag: null, reason: "deploy", created_by: "ann" };
    await s.alerts.createSilence({
      id: "s1",
      ...base,
      starts_at: 0,
      ends_at: 10_000,
      created_at: 0,
    });
    assertEquals(await s.alerts.endSilence("s1", 5000), true);
    assertEquals(await s.alerts.endSilence("s1", 6000), false);
    assertEquals((await s.alerts.silences()).map((x) => x.ends_at), [5000]);
    await s.alerts.createWindow({
      id: "w1",
      name: "patch night",
      rule_id: null,
      host_id: null,
      tag: "db",
      time_zone: "Europe/Berlin",
      days: [2, 4],
      start_minute: 120,
      duration_min: 60,
      created_by: "ann",
      created_at: 1,
    });
    assertEquals((await s.alerts.windows()).map((w) => [w.tag, w.days]), [["db", [2, 4]]]);
    assertEquals(await s.alerts.deleteWindow("w1"), true);
    assertEquals(await s.alerts.windows(), []);
  });
}
