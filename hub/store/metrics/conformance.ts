/** The metrics store's conformance tests (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import { avgs, batch, host, type StoreTest } from "../conformance_helpers.ts";
import { batchSeqs } from "../testing.ts";
import { rollUpAll } from "../retention.ts";

/** Registers the metrics tests. */
export function metricsConformance(test: StoreTest): void {
  test("metrics.writeBatch() is idempotent on (host, seq)", async (s) => {
    await host(s);
    assertEquals(await s.metrics.writeBatch("h1", batch(1, 30_000, 10)), { inserted: true });
    assertEquals(await s.metrics.writeBatch("h1", batch(1, 30_000, 99)), { inserted: false });
    assertEquals(await s.metrics.writeBatch("h1", batch(2, 60_000, 20)), { inserted: true });
    assertEquals(await s.metrics.lastSeq("h1"), 2);
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 0, 120_000, 30_000), [[30_000, 10], [
      60_000,
      20,
    ]]);
    assertEquals((await s.metrics.latest("h1"))?.data, { cpu_percent: 20 });
  });

  test("out-of-order batches keep the newest snapshot and last_seen", async (s) => {
    await host(s);
    await s.metrics.writeBatch("h1", batch(2, 60_000, 20));
    await s.metrics.writeBatch("h1", batch(1, 30_000, 10));
    assertEquals(await batchSeqs(s, "h1"), [2, 1]);
    assertEquals((await s.metrics.latest("h1"))?.data, { cpu_percent: 20 });
    assertEquals((await s.metrics.latestAll()).get("h1"), { cpu_percent: 20 });
    assertEquals((await s.hosts.get("h1"))?.last_seen, new Date(60_000).toISOString());
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 0, 90_000, 30_000), [[30_000, 10], [
      60_000,
      20,
    ]]);
  });

  test("metrics.queryRange() averages per bucket and leaves empty buckets and ranges out", async (s) => {
    await host(s);
    await s.metrics.writeBatch("h1", batch(1, 0, 10));
    await s.metrics.writeBatch("h1", batch(2, 30_000, 20));
    await s.metrics.writeBatch("h1", batch(3, 180_000, 40));
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 0, 240_000, 60_000), [[0, 15], [
      180_000,
      40,
    ]]);
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 200_000, 240_000, 60_000), []);
    assertEquals(await avgs(s, "h1", "no_such_metric", "", 0, 240_000, 60_000), []);
    assertEquals(await s.metrics.seriesLabels("h1", "fs_used_bytes"), ["/"]);
  });

  test("a 10,000-point batch is stored whole", async (s) => {
    await host(s);
    const points = Array.from(
      { length: 10_000 },
      (_, i) => ({ metric: "temp_celsius", label: `s${i}`, value: i }),
    );
    const now = Date.UTC(2026, 10, 24, 12);
    assertEquals(await s.metrics.writeBatch("h1", { seq: 1, ts: now, points, latest: {} }), {
      inserted: true,
    });
    assertEquals((await s.metrics.seriesLabels("h1", "temp_celsius")).length, 10_000);
    assertEquals(await avgs(s, "h1", "temp_celsius", "s9999", now, now + 1000, 1000), [[
      now,
      9999,
    ]]);
  });

  test("metrics.queryRange() reads many hosts at once and keeps them apart", async (s) => {
    await host(s, "h1");
    await host(s, "h2");
    await host(s, "h3");
    const t0 = Date.UTC(2026, 10, 20);
    await s.metrics.writeBatch("h1", batch(1, t0, 10));
    await s.metrics.writeBatch("h2", batch(1, t0 + 30_000, 20));
    await s.metrics.writeBatch("h2", batch(2, t0 + 90_000, 40));
    const read = () =>
      s.metrics.queryRange({
        hostIds: ["h1", "h2", "h3", "nope"],
        metric: "cpu_percent",
        label: "",
        tier: "1m",
        from: t0,
        to: t0 + 120_000,
        stepMs: 60_000,
      });
    // Nothing in the 1 min tier until the rollup job has run.
    assertEquals(await read(), []);
    await rollUpAll(s);
    assertEquals((await read()).map((r) => [r.hostId, r.t, r.n, r.avg, r.min, r.max]), [
      ["h1", t0, 1, 10, 10, 10],
      ["h2", t0, 1, 20, 20, 20],
      ["h2", t0 + 60_000, 1, 40, 40, 40],
    ]);
  });
}
