/** The probes store's conformance tests (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import { parseCheck } from "../../../lib/probes/check.ts";
import { host, type StoreTest } from "../conformance_helpers.ts";
import type { CheckRound } from "./types.ts";

const def = (id: string, name = `check ${id}`) =>
  parseCheck(id, {
    name,
    type: "tcp",
    target: "db.internal:5432",
    interval_s: 30,
    runs_on: { any: 2 },
  });

const round = (check: string, ts: number, ok: boolean): CheckRound => ({
  check_id: check,
  host_id: "",
  ts,
  ok,
  ms: 1.25,
  message: ok ? "open" : "connection refused",
  details: { connect_ms: 1.25, total_ms: 1.25 },
});

/** Registers the probes tests. */
export function probesConformance(test: StoreTest): void {
  test("probes: checks are created, changed and removed with their audit entries", async (s) => {
    await s.probes.createCheck(def("c2", "Web"), 1, {
      at: 1,
      actor: "ann",
      action: "check.create",
    });
    await s.probes.createCheck(def("c1", "Database"), 2);
    assertEquals((await s.probes.listChecks()).map((c) => c.name), ["Database", "Web"]);
    assertEquals(await s.probes.getCheck("c2"), def("c2", "Web"));
    assertEquals(await s.probes.updateCheck({ ...def("c2"), interval_s: 60 }, 3), true);
    assertEquals((await s.probes.getCheck("c2"))?.interval_s, 60);
    assertEquals(await s.probes.updateCheck(def("nope"), 3), false);
    assertEquals(
      await s.probes.deleteCheck("c2", { at: 4, actor: "ann", action: "check.delete" }),
      true,
    );
    assertEquals(await s.probes.deleteCheck("c2"), false);
    assertEquals(await s.probes.getCheck("c2"), null);
    assertEquals((await s.audit.list(10)).map((e) => e.action), ["check.delete", "check.create"]);
  });

  test("probes: rounds are metric samples of their host, once, and rolled up like any", async (s) => {
    await host(s, "h1");
    await s.probes.createCheck(def("c1"), 0);
    await s.probes.createCheck(def("c2"), 0);
    const t0 = Date.UTC(2026, 0, 5, 10, 0, 0);
    const rounds = [
      round("c1", t0 - 3000, true),
      { ...round("c1", t0 - 1000, true), ms: 3.75 },
      round("c2", t0 - 2000, false),
      round("gone", t0 - 2000, true),
    ];
    const batch = { seq: 3, ts: t0, rounds };
    await s.probes.writeRounds("h1", batch, t0);
    assertEquals(await s.probes.writeRounds("h1", batch, t0 + 1), { inserted: false, stored: [] });
    const read = async (metric: string, label: string, tier: "raw" | "1m" | "1d") =>
      (await s.metrics.queryRange({
        hostIds: ["h1"],
        metric,
        label,
        tier,
        from: t0 - 86_400_000,
        to: t0 + 86_400_000,
        stepMs: 86_400_000,
      })).map((r) => [r.n, r.avg]);
    // Two rounds of c1 in one batch: one sample, their mean; c2 failed: up 0, no time.
    assertEquals(await read("check_response_ms", "c1", "raw"), [[1, 2.5]]);
    assertEquals(await read("check_up", "c1", "raw"), [[1, 1]]);
    assertEquals(await read("check_up", "c2", "raw"), [[1, 0]]);
    assertEquals(await read("check_response_ms", "c2", "raw"), []);
    assertEquals(await s.metrics.seriesHosts("check_up", "c1"), ["h1"]);
    assertEquals(await s.metrics.seriesLabels("h1", "check_up"), ["c1", "c2"]);
    // The rollup job takes the batch (recent: recomputed; old: added) and each tier has it once.
    for (const horizon of [0, Number.MAX_SAFE_INTEGER]) {
      if (horizon) {
        await s.probes.writeRounds("h1", {
          seq: 4,
          ts: t0 + 3_600_000,
          rounds: [{ ...round("c1", t0 + 3_599_000, true), ms: 7.5 }],
        }, t0 + 3_600_000);
      }
      while ((await s.history.rollUp({ now: t0 + 7_200_000, horizon, force: true })).batches) {
        // until every batch is taken
      }
    }
    assertEquals(await read("check_response_ms", "c1", "1m"), [[2, 5]]);
    assertEquals(await read("check_response_ms", "c1", "1d"), [[2, 5]]);
    assertEquals(await read("check_up", "c2", "1d"), [[1, 0]]);
    // Removing a check takes its series with it, on every tier; another check's stay.
    await s.probes.deleteCheck("c1");
    assertEquals(await read("check_response_ms", "c1", "raw"), []);
    assertEquals(await read("check_response_ms", "c1", "1d"), []);
    assertEquals(await s.metrics.seriesLabels("h1", "check_up"), ["c2"]);
    assertEquals(await read("check_up", "c2", "1d"), [[1, 0]]);
  });

  test("probes: a batch of rounds is stored once on (host, seq), rounds of removed checks left out", async (s) => {
    await host(s, "h1");
    await host(s, "h2");
    await s.probes.createCheck(def("c1"), 0);
    const batch = {
      seq: 7,
      ts: 1000,
      rounds: [round("c1", 900, true), round("c1", 930, false), round("gone", 950, true)],
    };
    const first = await s.probes.writeRounds("h1", batch, 1001);
    assertEquals(first.inserted, true);
    assertEquals(first.stored.map((r) => [r.host_id, r.ts]), [["h1", 900], ["h1", 930]]);
    assertEquals(await s.probes.writeRounds("h1", batch, 1002), { inserted: false, stored: [] });
    // The host's last seq counts every kind of batch.
    assertEquals(await s.metrics.lastSeq("h1"), 7);
    await s.probes.writeRounds("h2", { seq: 1, ts: 990, rounds: [round("c1", 960, true)] }, 991);

    assertEquals((await s.probes.lastRounds("c1")).map((r) => [r.host_id, r.ts, r.ok]), [
      ["h1", 930, false],
      ["h2", 960, true],
    ]);
    const all = await s.probes.rounds("c1", 0, 10_000, 100);
    assertEquals(all.map((r) => r.ts), [900, 930, 960]);
    assertEquals(all[1], { ...round("c1", 930, false), host_id: "h1" });
    assertEquals((await s.probes.rounds("c1", 0, 10_000, 2)).map((r) => r.ts), [930, 960]);
    assertEquals(
      await s.probes.passCounts("c1", 0),
      new Map([["h1", { passed: 1, total: 2 }], ["h2", { passed: 1, total: 1 }]]),
    );
  });

  test("probes: status changes open and close incidents; a removed check takes its history", async (s) => {
    await host(s, "h1");
    await s.probes.createCheck(def("c1"), 0);
    assertEquals(await s.probes.recordStatus("c1", "up", 100, "open"), true);
    await s.probes.recordStatus("c1", "down", 200, "connection refused");
    // Down again (a second hub judging the same rounds): still one incident.
    await s.probes.recordStatus("c1", "down", 200, "connection refused");
    assertEquals(await s.probes.states(), [
      { check_id: "c1", status: "down", since: 200, judged_since: 100 },
    ]);
    assertEquals(await s.probes.incidents("c1", 0, 1000, 10), [
      { check_id: "c1", started_at: 200, ended_at: null, cause: "connection refused" },
    ]);
    await s.probes.recordStatus("c1", "up", 260, "open");
    await s.probes.recordStatus("c1", "down", 400, "timed out");
    assertEquals(
      (await s.probes.incidents("c1", 0, 1000, 10)).map((i) => [i.started_at, i.ended_at]),
      [[400, null], [200, 260]],
    );
    assertEquals(await s.probes.incidents("c1", 300, 350, 10), []);
    // Past retention, an ended incident goes; the open one stays however old.
    assertEquals(await s.probes.pruneIncidents(250, 10), 0, "ended at 260: kept");
    assertEquals(await s.probes.pruneIncidents(10_000, 10), 1);
    assertEquals(
      (await s.probes.incidents("c1", 0, 1000, 10)).map((i) => [i.started_at, i.ended_at]),
      [[400, null]],
    );
    await s.probes.writeRounds("h1", { seq: 1, ts: 5, rounds: [round("c1", 5, true)] }, 5);
    await s.probes.deleteCheck("c1");
    assertEquals(await s.probes.recordStatus("c1", "up", 500, ""), false);
    assertEquals(await s.probes.states(), []);
    assertEquals(await s.probes.incidents("c1", 0, 1000, 10), []);
    assertEquals(await s.probes.rounds("c1", 0, 1000, 10), []);
  });

  test("probes: rounds are tallied by day; past their retention they go and the year's uptime stays", async (s) => {
    const DAY = 86_400_000;
    const d0 = Date.UTC(2026, 0, 1);
    await host(s, "h1");
    await host(s, "h2");
    await s.probes.createCheck(def("c1"), 0);
    let seq = 0;
    const write = (h: string, rs: CheckRound[]) =>
      s.probes.writeRounds(h, { seq: ++seq, ts: rs[0].ts, rounds: rs }, rs[0].ts);
    // Day 0: three rounds of h1 (one failing) over two batches; day 1: two of h1, one of h2.
    await write("h1", [round("c1", d0 + 1000, true), round("c1", d0 + 2000, false)]);
    await write("h1", [{ ...round("c1", d0 + 3000, true), ms: 4 }]);
    await write("h1", [round("c1", d0 + DAY + 10, true), round("c1", d0 + DAY + 20, true)]);
    await write("h2", [round("c1", d0 + DAY + 30, false)]);
    // A replay adds nothing to the day.
    await s.probes.writeRounds(
      "h2",
      { seq, ts: 0, rounds: [round("c1", d0 + DAY + 40, false)] },
      0,
    );
    const day0 = Math.floor(d0 / DAY);
    assertEquals(await s.probes.days("c1", 0), [
      { host_id: "h1", day: day0, rounds: 3, passed: 2, ms_mean: (1.25 + 4) / 2, ms_max: 4 },
      { host_id: "h1", day: day0 + 1, rounds: 2, passed: 2, ms_mean: 1.25, ms_max: 1.25 },
      { host_id: "h2", day: day0 + 1, rounds: 1, passed: 0, ms_mean: null, ms_max: null },
    ]);
    // From mid-day 0: its rounds from then, then day 1 whole.
    assertEquals(
      await s.probes.passCounts("c1", d0 + 1500),
      new Map([["h1", { passed: 3, total: 4 }], ["h2", { passed: 0, total: 1 }]]),
    );
    // The rounds go past their retention; a window over them still counts them by day.
    assertEquals(await s.probes.pruneRounds(d0 + 2 * DAY, 2), 2);
    assertEquals(await s.probes.pruneRounds(d0 + 2 * DAY, 100), 4);
    assertEquals(await s.probes.rounds("c1", 0, d0 + 3 * DAY, 100), []);
    assertEquals(
      await s.probes.passCounts("c1", d0 - 365 * DAY),
      new Map([["h1", { passed: 4, total: 5 }], ["h2", { passed: 0, total: 1 }]]),
    );
    // A removed check takes its days with it.
    await s.probes.deleteCheck("c1");
    assertEquals(await s.probes.days("c1", 0), []);
  });
}
