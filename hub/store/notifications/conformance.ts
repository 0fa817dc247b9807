/** The notification store's conformance tests (see ../conformance.ts): the delivery log. */
import { assertEquals } from "../../../lib/assert.ts";
import { channel, host, type StoreTest } from "../conformance_helpers.ts";
import { checkRule } from "../../../lib/alerts/rules.ts";
import { runRetention } from "../retention.ts";
import { parseCheck } from "../../../lib/probes/check.ts";

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

  test("retention: resolved alerts, finished notifications, ended silences and incidents go after their days; open ones and queued ones stay", async (s) => {
    const DAY = 86_400_000;
    const now = 1000 * DAY;
    const old = now - 500 * DAY;
    await host(s, "h1");
    await s.notifications.createChannel(channel("c1"));
    const c = checkRule({ name: "r", metric: "cpu_percent", op: ">", threshold: 90 });
    if (!c.ok) throw new Error(c.error.problem);
    const r = { ...c.rule, id: "r1" };
    await s.alerts.createRule(r, 1);
    const notify = { kind: "firing" as const, channels: ["c1"], groupS: 0 };
    const opening = (labelsKey: string, at: number) => ({
      rule: r,
      hostId: "h1",
      labels: { mount: labelsKey },
      labelsKey,
      state: "firing" as const,
      severity: "warning" as const,
      value: 95,
      threshold: 90,
      at,
    });
    // Long ago: one alert fired and resolved (both told and sent), one fired and
    // still firing, whose fire notification is still queued (its channel was down).
    const done = (await s.alerts.open(opening("/", old), notify)).alert;
    await s.alerts.resolve(done.id, old + 1000, 10, { ...notify, kind: "resolved" });
    const open = (await s.alerts.open(opening("/data", old), notify)).alert;
    await s.leases.acquire("notify", "hub-a", 60_000, Date.now());
    const told = await s.notifications.recent({ limit: 10 });
    for (const n of told.filter((n) => n.items.some((i) => i.alert_id === done.id))) {
      assertEquals(
        await s.notifications.attempted(
          n.id,
          old + 2000,
          { ok: true, status: 200, detail: "ok" },
          "hub-a",
        ),
        true,
      );
    }
    // Long ago too: one fired and resolved whose messages never went out (still
    // queued): it stays until they are sent, however old.
    const stuck = (await s.alerts.open(opening("/srv", old + 5000), notify)).alert;
    await s.alerts.resolve(stuck.id, old + 6000, 10, { ...notify, kind: "resolved" });
    // Lately: an alert fired and resolved (told to no channel).
    const recent = (await s.alerts.open(opening("/var", now - DAY), null)).alert;
    await s.alerts.resolve(recent.id, now - DAY + 1000, 10, null);
    const silence = {
      rule_id: null,
      host_id: "h1",
      tag: null,
      reason: "deploy",
      created_by: "ann",
    };
    await s.alerts.createSilence({
      id: "s-old",
      ...silence,
      starts_at: old,
      ends_at: old + DAY,
      created_at: old,
    });
    await s.alerts.createSilence({
      id: "s-new",
      ...silence,
      starts_at: now - DAY,
      ends_at: now + DAY,
      created_at: now - DAY,
    });

    // A check down and up long ago (an ended incident), and down since then (an open one).
    await s.probes.createCheck(
      parseCheck("c1", {
        name: "db",
        type: "tcp",
        target: "db:5432",
        interval_s: 30,
        runs_on: { any: 1 },
      }),
      old,
    );
    await s.probes.recordStatus("c1", "down", old, "refused");
    await s.probes.recordStatus("c1", "up", old + 1000, "open");
    await s.probes.recordStatus("c1", "down", old + 2000, "refused");

    const forever = { raw: null, "1m": null, "10m": null, "1h": null, "1d": null };
    const none = await runRetention(s, forever, now, () => {}, undefined, { alertsDays: null });
    assertEquals(none.alerts, undefined, "forever keeps everything");
    const kept = await runRetention(s, forever, now, () => {}, undefined, { alertsDays: 600 });
    assertEquals(kept.alerts.rows, 0);
    const removed = await runRetention(s, forever, now, () => {}, undefined, { alertsDays: 400 });
    // The resolved alert, its two sent notifications, the ended silence, the ended incident.
    assertEquals(removed.alerts.rows, 5);
    assertEquals(
      (await s.probes.incidents("c1", 0, now, 10)).map((i) => [i.started_at, i.ended_at]),
      [[old + 2000, null]],
    );
    assertEquals(await s.alerts.alert(done.id), null);
    assertEquals((await s.alerts.alert(open.id))?.state, "firing");
    assertEquals((await s.alerts.alert(recent.id))?.state, "resolved");
    assertEquals((await s.alerts.alert(stuck.id))?.state, "resolved");
    const left = await s.notifications.recent({ limit: 10 });
    assertEquals(left.map((n) => [n.state, n.items.map((i) => i.alert_id)]), [
      ["queued", [stuck.id]],
      ["queued", [stuck.id]],
      ["queued", [open.id]],
    ]);
    assertEquals((await s.alerts.silences()).map((x) => x.id), ["s-new"]);
    // Queued, they are still to be sent: each alert's firing first, then its resolve.
    assertEquals(
      (await s.notifications.due(now, 10)).map((n) => n.id).sort(),
      left.filter((n) => n.kind === "firing").map((n) => n.id).sort(),
    );
  });
}
