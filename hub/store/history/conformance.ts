/** The history store's conformance tests: rollups, impossible values, retention (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import {
  avgs,
  batch,
  buckets,
  dayOfBatches,
  host,
  type StoreTest,
} from "../conformance_helpers.ts";
import { batchSeqs } from "../testing.ts";
import { rollUpAll, runRetention } from "../retention.ts";
import { DEFAULT_RETENTION, ROLLUPS, type TierName } from "../tiers.ts";

/** Registers the history tests. */
export function historyConformance(test: StoreTest): void {
  test("history.pruneRaw() drops old samples and batch records but keeps each host's last seq", async (s) => {
    await host(s);
    await s.metrics.writeBatch("h1", batch(1, 1_000, 10));
    await s.metrics.writeBatch("h1", batch(2, 2_000, 20));
    const recent = Date.now();
    await s.metrics.writeBatch("h1", batch(3, recent, 30));
    // Batches stay until the rollup job has taken them.
    const first = await s.history.pruneRaw(recent - 60_000);
    assertEquals([first.samples >= 4, first.batches], [true, 0]);
    await rollUpAll(s);
    const out = await s.history.pruneRaw(recent - 60_000);
    assertEquals([out.samples, out.batches], [0, 2]);
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 0, recent + 1, 1), [[recent, 30]]);
    assertEquals([await s.metrics.lastSeq("h1"), await batchSeqs(s, "h1")], [3, [3]]);
    // A host silent past retention keeps its last seq, so replays stay idempotent.
    const later = await s.history.pruneRaw(recent + 60_000);
    assertEquals(later.batches, 0);
    assertEquals(await s.metrics.lastSeq("h1"), 3);
  });

  test("every rollup tier agrees with the raw samples it summarises, recomputed or added", async (s) => {
    const day = Date.UTC(2026, 10, 20);
    // h1's batches are recomputed from the tier below, h2's (older than the horizon) added.
    for (const [id, horizon] of [["h1", 0], ["h2", Number.MAX_SAFE_INTEGER]] as const) {
      await host(s, id);
      for (const b of dayOfBatches(1, day - 3_600_000)) await s.metrics.writeBatch(id, b);
      await rollUpAll(s, horizon);
      const q = { metric: "cpu_percent", label: "", from: day - 86_400_000, to: day + 86_400_000 };
      for (const tier of ROLLUPS) {
        for (const k of [1, 3]) {
          const stepMs = tier.ms * k;
          assertEquals(
            await buckets(s, { ...q, tier: tier.name, stepMs }, id),
            await buckets(s, { ...q, tier: "raw", stepMs }, id),
            `${id}: ${tier.name} at ${k}×`,
          );
        }
      }
      const daily = await buckets(s, { ...q, tier: "1d", stepMs: 86_400_000 }, id);
      assertEquals(daily.map((b) => [b.t, b.n]), [[day - 86_400_000, 120], [day, 2760]]);
    }
  });

  test("values no metric can have in one host's data leave every other host's rollups moving", async (s) => {
    // What the store may hold from before ingest checked ranges: sums of
    // these overflow to ±Infinity, and their 10 min sum is NaN.
    await host(s, "bad");
    await host(s, "good");
    const t0 = Date.UTC(2026, 10, 20);
    const poison = [1e308, 1e308, -1e308, -1e308];
    for (const [i, v] of poison.entries()) {
      await s.metrics.writeBatch(
        "bad",
        batch(i + 1, t0 + Math.floor(i / 2) * 60_000 + (i % 2) * 30_000, v),
      );
    }
    await s.metrics.writeBatch("bad", batch(5, t0 + 120_000, 42)); // a possible value beside them
    for (let i = 0; i < 20; i++) {
      await s.metrics.writeBatch("good", batch(i + 1, t0 + i * 30_000, 10 + i));
    }
    const skipped: Array<{ hostId: string; series: string[] }> = [];
    await rollUpAll(s, 0, Date.now(), (r) => skipped.push({ hostId: r.hostId, series: r.series }));
    const q = { metric: "cpu_percent", label: "", from: t0, to: t0 + 3_600_000 };
    for (const tier of ROLLUPS) {
      assertEquals(
        await buckets(s, { ...q, tier: tier.name, stepMs: 3_600_000 }, "good"),
        await buckets(s, { ...q, tier: "raw", stepMs: 3_600_000 }, "good"),
        `good host, ${tier.name}`,
      );
    }
    // The failing host is reported with the series that held impossible values…
    assertEquals(skipped.map((r) => r.hostId), ["bad"]);
    assertEquals(skipped[0].series, ["cpu_percent"]);
    // …and what it has that a metric can have is rolled up too.
    const bad = await buckets(s, { ...q, tier: "1h", stepMs: 3_600_000 }, "bad");
    assertEquals(bad.map((b) => [b.n, b.avg]), [[1, 42]]);
    // Later runs go on for everyone.
    await s.metrics.writeBatch("good", batch(21, t0 + 21 * 30_000, 99));
    await rollUpAll(s, 0, Date.now(), (r) => skipped.push({ hostId: r.hostId, series: r.series }));
    assertEquals(skipped.length, 1);
    assertEquals(
      (await buckets(s, { ...q, tier: "1d", stepMs: 86_400_000 }, "good")).map((b) => b.n),
      [21],
    );
  });

  test("late and replayed batches correct exactly the buckets they fall in", async (s) => {
    await host(s);
    const t0 = Date.UTC(2026, 10, 20);
    const all = dayOfBatches(1, t0, 240); // two hours
    const late = new Set([17, 18, 150]);
    for (const b of all) if (!late.has(b.seq)) await s.metrics.writeBatch("h1", b);
    await rollUpAll(s);
    const q = { metric: "cpu_percent", label: "", from: t0, to: t0 + 7_200_000 };
    const before = await buckets(s, { ...q, tier: "10m", stepMs: 600_000 });
    // The WAL replays what the hub already has, then delivers the late ones.
    for (const b of all.slice(0, 40)) await s.metrics.writeBatch("h1", b);
    for (const b of all) if (late.has(b.seq)) await s.metrics.writeBatch("h1", b);
    // Another batch carrying a sample the hub already has for that instant.
    await s.metrics.writeBatch("h1", { ...batch(9999, all[5].ts, 1e6), latest: {} });
    // The first hour is past the horizon (added to), the second recomputed.
    await rollUpAll(s, t0 + 3_600_000);
    const after = await buckets(s, { ...q, tier: "10m", stepMs: 600_000 });
    const changed = after.filter((b, i) => JSON.stringify(b) !== JSON.stringify(before[i]));
    // Seq 17 and 18 (8 min in) fall in the first 10 min bucket, seq 150 (74.5 min) in the eighth.
    assertEquals(changed.map((b) => b.t), [t0, t0 + 4_200_000]);
    assertEquals(after[0].n, before[0].n + 2);
    for (const tier of ROLLUPS) {
      assertEquals(
        await buckets(s, { ...q, tier: tier.name, stepMs: tier.ms }),
        await buckets(s, { ...q, tier: "raw", stepMs: tier.ms }),
        tier.name,
      );
    }
  });

  test("a late batch at the same instant as another kind's batch (packages, checks) is rolled up all the same", async (s) => {
    await host(s);
    const t0 = Date.UTC(2026, 10, 20);
    const all = dayOfBatches(1, t0, 120); // an hour
    const late = all[30];
    for (const b of all) if (b !== late) await s.metrics.writeBatch("h1", b);
    await rollUpAll(s);
    // Another capability's batch of the same host and millisecond, stored first: it shares
    // the batches sequence, and carries no sample.
    await s.probes.writeRounds("h1", { seq: 5000, ts: late.ts, rounds: [] }, Date.now());
    await rollUpAll(s);
    await s.metrics.writeBatch("h1", late);
    // Past the horizon: added to the buckets it falls in, not recomputed.
    await rollUpAll(s, t0 + 3_600_000);
    const q = { metric: "cpu_percent", label: "", from: t0, to: t0 + 3_600_000 };
    for (const tier of ROLLUPS) {
      assertEquals(
        await buckets(s, { ...q, tier: tier.name, stepMs: tier.ms }),
        await buckets(s, { ...q, tier: "raw", stepMs: tier.ms }),
        tier.name,
      );
    }
  });

  test("history.rollUp() waits for an open bucket until it closes or has waited its tier's refresh", async (s) => {
    await host(s);
    const t0 = Date.UTC(2026, 10, 20);
    await s.metrics.writeBatch("h1", batch(1, t0 + 5_000, 10));
    const q = { metric: "cpu_percent", label: "", from: t0, to: t0 + 60_000, stepMs: 60_000 };
    const minute = () => buckets(s, { ...q, tier: "1m" });
    // 20 s into the minute: open, and dirty for less than 30 s.
    assertEquals(await s.history.rollUp({ now: t0 + 20_000, horizon: 0 }), {
      batches: 1,
      buckets: 0,
    });
    assertEquals(await minute(), []);
    await s.metrics.writeBatch("h1", batch(2, t0 + 35_000, 30));
    assertEquals((await s.history.rollUp({ now: t0 + 40_000, horizon: 0 })).buckets, 0);
    // Dirty for 30 s: recomputed though still open, with both samples.
    assertEquals((await s.history.rollUp({ now: t0 + 50_000, horizon: 0 })).buckets, 1);
    assertEquals((await minute()).map((b) => [b.n, b.avg]), [[2, 20]]);
    assertEquals(await s.history.rollUp({ now: t0 + 51_000, horizon: 0 }), {
      batches: 0,
      buckets: 0,
    });
    // The 10 min bucket waits 2 min from when the data came (20 s in), not from the cascade.
    const tenMinutes = () => buckets(s, { ...q, tier: "10m", stepMs: 600_000 });
    await s.history.rollUp({ now: t0 + 139_000, horizon: 0 });
    assertEquals(await tenMinutes(), []);
    await s.history.rollUp({ now: t0 + 141_000, horizon: 0 });
    assertEquals((await tenMinutes()).map((b) => [b.n, b.avg]), [[2, 20]]);
  });

  test("history.pruneRollup() drops a tier's old buckets and leaves the other tiers", async (s) => {
    await host(s);
    const now = Date.now();
    const old = now - 40 * 86_400_000;
    await s.metrics.writeBatch("h1", batch(1, old, 10));
    await s.metrics.writeBatch("h1", batch(2, now, 20));
    await rollUpAll(s);
    const out = await s.history.pruneRollup("1m", now - 30 * 86_400_000);
    assertEquals(out.rows + out.partitions > 0, true);
    const q = { metric: "cpu_percent", label: "", from: 0, to: now + 1 };
    assertEquals(
      (await buckets(s, { ...q, tier: "1m", stepMs: 60_000 })).map((b) => b.avg),
      [20],
    );
    assertEquals(
      (await buckets(s, { ...q, tier: "1h", stepMs: 3_600_000 })).map((b) => b.avg),
      [10, 20],
    );
    assertEquals((await s.history.pruneRollup("1m", now - 30 * 86_400_000)).rows, 0);
  });

  test("runRetention() keeps each tier for its own number of days", async (s) => {
    await host(s);
    const now = Date.now();
    const daysAgo = (d: number) => now - d * 86_400_000;
    let seq = 1;
    for (const d of [800, 400, 100, 20, 3, 0]) {
      await s.metrics.writeBatch("h1", batch(seq++, daysAgo(d), d));
    }
    await runRetention(s, DEFAULT_RETENTION, now);
    const q = { metric: "cpu_percent", label: "", from: daysAgo(1000), to: now + 1 };
    const kept = async (tier: TierName) =>
      (await buckets(s, { ...q, tier, stepMs: 86_400_000 })).map((b) => b.avg);
    // Old batches reach the tiers before their raw samples go; the newest
    // bucket is still open, so it is not rolled up yet.
    assertEquals(await kept("raw"), [3, 0]);
    assertEquals(await kept("1m"), [20, 3]);
    assertEquals(await kept("10m"), [100, 20, 3]);
    assertEquals(await kept("1h"), [400, 100, 20, 3]);
    assertEquals(await kept("1d"), [800, 400, 100, 20, 3]);
    // Kept forever means never pruned, and a second run finds nothing to do.
    const again = await runRetention(s, { ...DEFAULT_RETENTION, raw: 1, "1h": null }, now);
    assertEquals([again["1m"].rows, again["1h"], again.raw.rows > 0], [0, undefined, true]);
  });
}
