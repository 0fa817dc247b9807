/** The notification store's conformance tests (see ../conformance.ts): the delivery log. */
import { assertEquals } from "../../../lib/assert.ts";
import { channel, host, type StoreTest } from "../conformance_helpers.ts";
import { checkRule } from "../../../lib/alerts/rules.ts";

/** Registers the delivery log's tests. */
export function notificationsConformance(test: StoreTest): void {
  test("notifications: the delivery log lists newest first, by channel, paged by id, with attempts", async (s) => {
    await host(s, "h1");
    await s.notifications.createChannel(channel("c1"));
    await s.notifications.createChannel(channel("c2", { name: "second" }));
    const c = checkRule({ name: "r", metric: "cpu_percent", op: ">", threshold: 90 });
    if (!c.ok) throw new Error(c.error.problem);
    const r = { ...c.rule, id: "r1" };
    await s.alerts.createRule(r, 1);
    const base = {
      rule: r,
      hostId: "h1",
      labels: {},
      labelsKey: "",
      state: "firing" as const,
      severity: "warning" as const,
      value: 95,
      threshold: 90,
    };
    assertEquals(await s.notifications.recent({ limit: 10 }), []);
    // One alert told to both channels, then resolved to the first only.
    const { alert } = await s.alerts.open({ ...base, at: 1000 }, {
      kind: "firing",
      channels: ["c1", "c2"],
      groupS: 0,
    });
    await s.alerts.resolve(alert.id, 2000, 10, { kind: "resolved", channels: ["c1"], groupS: 0 });
    const all = await s.notifications.recent({ limit: 10 });
    assertEquals(all.map((n) => [n.channel_id, n.kind, n.items.map((i) => i.alert_id)]), [
      ["c1", "resolved", [alert.id]],
      ["c2", "firing", [alert.id]],
      ["c1", "firing", [alert.id]],
    ]);
    assertEquals(all[0].id > all[1].id && all[1].id > all[2].id, true, "newest first");

    await s.leases.acquire("notify", "hub-a", 60_000, Date.now());
    const fire = all[2];
    const retry = { ok: false as const, status: 500, detail: "down", retryAt: 3000 };
    await s.notifications.attempted(fire.id, 2500, retry, "hub-a");
    await s.notifications.attempted(
      fire.id,
      3000,
      { ok: true, status: 200, detail: "ok" },
      "hub-a",
    );
    const mine = await s.notifications.recent({ channelId: "c1", limit: 10 });
    assertEquals(mine.map((n) => [n.kind, n.state]), [["resolved", "queued"], ["firing", "sent"]]);
    assertEquals(mine[1].attempt_log.map((a) => [a.at, a.ok, a.status, a.detail]), [
      [2500, false, 500, "down"],
      [3000, true, 200, "ok"],
    ]);
    // Paged: the page after the newest holds the rest, and a page past the end is empty.
    const [newest] = await s.notifications.recent({ limit: 1 });
    assertEquals(newest.id, all[0].id);
    const next = await s.notifications.recent({ before: newest.id, limit: 10 });
    assertEquals(next.map((n) => n.id), [all[1].id, all[2].id]);
    assertEquals(await s.notifications.recent({ before: all[2].id, limit: 10 }), []);
    assertEquals(await s.notifications.recent({ channelId: "nope", limit: 10 }), []);
  });
}
