/**
 * The conformance suite every Store implementation passes with the same
 * inputs and outputs. conformance_test.ts runs it against SQLite, and against
 * PostgreSQL when a test database server is configured.
 */
import { assertEquals } from "../../lib/assert.ts";
import type { RangeQuery, Store, StoredBatch } from "./store.ts";
import { DEFAULT_RETENTION, ROLLUPS, type TierName } from "./tiers.ts";
import { rollUpAll, runRetention } from "./retention.ts";

/** Opens an empty, migrated store and says how to dispose of it. */
export type OpenStore = () => Promise<{ store: Store; dispose: () => Promise<void> }>;

const batch = (seq: number, ts: number, cpu: number): StoredBatch => ({
  seq,
  ts,
  points: [{ metric: "cpu_percent", label: "", value: cpu }, {
    metric: "fs_used_bytes",
    label: "/",
    value: 10,
  }],
  latest: { cpu_percent: cpu },
});

async function host(s: Store, id = "h1", name: string | null = `name-${id}`) {
  const tokenHash = `t-${id}-${crypto.randomUUID()}`;
  await s.createHostWithToken({ hostId: id, name, tokenHash, createdAt: 0, expiresAt: 10_000 });
  const out = await s.registerHost(tokenHash, { fallbackName: "x", now: 1 });
  if (!out.ok) throw new Error(out.reason);
}

/** [bucket, avg] pairs of one host's series, as older tests read them. */
async function avgs(
  s: Store,
  hostId: string,
  metric: string,
  label: string,
  from: number,
  to: number,
  stepMs: number,
  tier: TierName = "raw",
): Promise<Array<[number, number]>> {
  const rows = await s.queryRange({ hostIds: [hostId], metric, label, tier, from, to, stepMs });
  return rows.map((r) => [r.t, r.avg]);
}

/** Buckets without the host id, values rounded off floating-point noise. */
async function buckets(s: Store, q: Omit<RangeQuery, "hostIds">, hostId = "h1") {
  const round = (v: number) => Math.round(v * 1e9) / 1e9;
  return (await s.queryRange({ ...q, hostIds: [hostId] })).map((r) => ({
    t: r.t,
    n: r.n,
    avg: round(r.avg),
    min: r.min,
    max: r.max,
  }));
}

/** A day of 30 s batches with a wandering value, seqs from `firstSeq`. */
function dayOfBatches(firstSeq: number, from: number, count = 2880): StoredBatch[] {
  return Array.from({ length: count }, (_, i) => {
    const v = Math.round(50 + 40 * Math.sin(i / 37) + (i % 7));
    return batch(firstSeq + i, from + i * 30_000, v);
  });
}

/** Registers the suite's tests for one backend. */
export function storeConformance(
  backend: string,
  open: OpenStore,
  options: { ignore?: boolean } = {},
): void {
  const test = (name: string, fn: (s: Store) => Promise<void>) =>
    Deno.test({
      name: `${backend}: ${name}`,
      ignore: options.ignore,
      sanitizeResources: false,
      sanitizeOps: false,
      async fn() {
        const { store, dispose } = await open();
        try {
          await fn(store);
        } finally {
          await dispose();
        }
      },
    });

  test("migrate() is idempotent", async (s) => {
    assertEquals(await s.migrate(), []);
  });

  test("registerHost() uses a token once and refuses unknown and expired ones", async (s) => {
    const pending = await s.createHostWithToken({
      hostId: "1",
      name: null,
      tokenHash: "a",
      createdAt: 0,
      expiresAt: 100,
    });
    assertEquals([pending.registered, await s.keyGeneration("1")], [false, null]);
    await s.createHostWithToken({
      hostId: "2",
      name: "web",
      tokenHash: "b",
      createdAt: 0,
      expiresAt: 100,
    });
    assertEquals(await s.registerHost("zzz", { fallbackName: "h", now: 50 }), {
      ok: false,
      reason: "unknown",
    });
    const first = await s.registerHost("a", { fallbackName: "from-agent", now: 50 });
    assertEquals(first.ok && [first.host.id, first.host.name, first.host.registered], [
      "1",
      "from-agent",
      true,
    ]);
    assertEquals(await s.keyGeneration("1"), 2);
    assertEquals(await s.registerHost("a", { fallbackName: "h", now: 60 }), {
      ok: false,
      reason: "used",
    });
    assertEquals(await s.registerHost("b", { fallbackName: "h", now: 100 }), {
      ok: false,
      reason: "expired",
    });
    assertEquals((await s.getHost("2"))?.name, "web");
  });

  test("hosts keep unicode names, tags and agent facts", async (s) => {
    await host(s, "h1", "ñandú-東京-🚀");
    await s.setHostTags("h1", ["eu-west", "web"]);
    await s.updateHostInfo("h1", {
      hostname: "box",
      os: "linux",
      arch: "x86_64",
      kernel: "6.1",
      agent_version: "0.1.0",
      environment: "vm",
      ips: ["10.0.0.1", "fd00::1"],
      interval_s: 10,
      dropped_batches: 3,
    }, 5000);
    const h = (await s.getHost("h1"))!;
    assertEquals(
      [h.name, h.tags, h.ips, h.interval_s, h.dropped_batches, h.last_seen],
      [
        "ñandú-東京-🚀",
        ["eu-west", "web"],
        ["10.0.0.1", "fd00::1"],
        10,
        3,
        new Date(5000).toISOString(),
      ],
    );
    assertEquals((await s.listHosts()).map((x) => x.id), ["h1"]);
    assertEquals(await s.setHostTags("nope", []), false);
  });

  test("writeBatch() is idempotent on (host, seq)", async (s) => {
    await host(s);
    assertEquals(await s.writeBatch("h1", batch(1, 30_000, 10)), { inserted: true });
    assertEquals(await s.writeBatch("h1", batch(1, 30_000, 99)), { inserted: false });
    assertEquals(await s.writeBatch("h1", batch(2, 60_000, 20)), { inserted: true });
    assertEquals(await s.lastSeq("h1"), 2);
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 0, 120_000, 30_000), [[30_000, 10], [
      60_000,
      20,
    ]]);
    assertEquals((await s.latest("h1"))?.data, { cpu_percent: 20 });
  });

  test("out-of-order batches keep the newest snapshot and last_seen", async (s) => {
    await host(s);
    await s.writeBatch("h1", batch(2, 60_000, 20));
    await s.writeBatch("h1", batch(1, 30_000, 10));
    assertEquals(await s.batchSeqs("h1"), [2, 1]);
    assertEquals((await s.latest("h1"))?.data, { cpu_percent: 20 });
    assertEquals((await s.latestAll()).get("h1"), { cpu_percent: 20 });
    assertEquals((await s.getHost("h1"))?.last_seen, new Date(60_000).toISOString());
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 0, 90_000, 30_000), [[30_000, 10], [
      60_000,
      20,
    ]]);
  });

  test("queryRange() averages per bucket and leaves empty buckets and ranges out", async (s) => {
    await host(s);
    await s.writeBatch("h1", batch(1, 0, 10));
    await s.writeBatch("h1", batch(2, 30_000, 20));
    await s.writeBatch("h1", batch(3, 180_000, 40));
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 0, 240_000, 60_000), [[0, 15], [
      180_000,
      40,
    ]]);
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 200_000, 240_000, 60_000), []);
    assertEquals(await avgs(s, "h1", "no_such_metric", "", 0, 240_000, 60_000), []);
    assertEquals(await s.seriesLabels("h1", "fs_used_bytes"), ["/"]);
  });

  test("a 10,000-point batch is stored whole", async (s) => {
    await host(s);
    const points = Array.from(
      { length: 10_000 },
      (_, i) => ({ metric: "temp_celsius", label: `s${i}`, value: i }),
    );
    const now = Date.UTC(2026, 10, 24, 12);
    assertEquals(await s.writeBatch("h1", { seq: 1, ts: now, points, latest: {} }), {
      inserted: true,
    });
    assertEquals((await s.seriesLabels("h1", "temp_celsius")).length, 10_000);
    assertEquals(await avgs(s, "h1", "temp_celsius", "s9999", now, now + 1000, 1000), [[
      now,
      9999,
    ]]);
  });

  test("deleteHost() removes the host with its data and its token", async (s) => {
    await host(s);
    await s.writeBatch("h1", batch(1, 30_000, 10));
    assertEquals(await s.deleteHost("h1"), true);
    assertEquals(await s.getHost("h1"), null);
    assertEquals(await s.latest("h1"), null);
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 0, 60_000, 30_000), []);
    assertEquals(await s.deleteHost("h1"), false);
    await s.createHostWithToken({
      hostId: "h2",
      name: "x",
      tokenHash: "t2",
      createdAt: 0,
      expiresAt: 1e15,
    });
    await s.deleteHost("h2");
    assertEquals((await s.registerHost("t2", { fallbackName: "h", now: 1 })).ok, false);
    // A host re-added with the same id starts clean.
    await host(s, "h1");
    assertEquals(await s.writeBatch("h1", batch(1, 30_000, 10)), { inserted: true });
  });

  test("pruneRaw() drops old samples and batch records but keeps each host's last seq", async (s) => {
    await host(s);
    await s.writeBatch("h1", batch(1, 1_000, 10));
    await s.writeBatch("h1", batch(2, 2_000, 20));
    const recent = Date.now();
    await s.writeBatch("h1", batch(3, recent, 30));
    // Batches stay until the rollup job has taken them.
    const first = await s.pruneRaw(recent - 60_000);
    assertEquals([first.samples >= 4, first.batches], [true, 0]);
    await rollUpAll(s);
    const out = await s.pruneRaw(recent - 60_000);
    assertEquals([out.samples, out.batches], [0, 2]);
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 0, recent + 1, 1), [[recent, 30]]);
    assertEquals([await s.lastSeq("h1"), await s.batchSeqs("h1")], [3, [3]]);
    // A host silent past retention keeps its last seq, so replays stay idempotent.
    const later = await s.pruneRaw(recent + 60_000);
    assertEquals(later.batches, 0);
    assertEquals(await s.lastSeq("h1"), 3);
  });

  test("every rollup tier agrees with the raw samples it summarises, recomputed or added", async (s) => {
    const day = Date.UTC(2026, 10, 20);
    // h1's batches are recomputed from the tier below, h2's (older than the horizon) added.
    for (const [id, horizon] of [["h1", 0], ["h2", Number.MAX_SAFE_INTEGER]] as const) {
      await host(s, id);
      for (const b of dayOfBatches(1, day - 3_600_000)) await s.writeBatch(id, b);
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
      await s.writeBatch(
        "bad",
        batch(i + 1, t0 + Math.floor(i / 2) * 60_000 + (i % 2) * 30_000, v),
      );
    }
    await s.writeBatch("bad", batch(5, t0 + 120_000, 42)); // a possible value beside them
    for (let i = 0; i < 20; i++) await s.writeBatch("good", batch(i + 1, t0 + i * 30_000, 10 + i));
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
    await s.writeBatch("good", batch(21, t0 + 21 * 30_000, 99));
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
    for (const b of all) if (!late.has(b.seq)) await s.writeBatch("h1", b);
    await rollUpAll(s);
    const q = { metric: "cpu_percent", label: "", from: t0, to: t0 + 7_200_000 };
    const before = await buckets(s, { ...q, tier: "10m", stepMs: 600_000 });
    // The WAL replays what the hub already has, then delivers the late ones.
    for (const b of all.slice(0, 40)) await s.writeBatch("h1", b);
    for (const b of all) if (late.has(b.seq)) await s.writeBatch("h1", b);
    // Another batch carrying a sample the hub already has for that instant.
    await s.writeBatch("h1", { ...batch(9999, all[5].ts, 1e6), latest: {} });
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

  test("rollUp() waits for an open bucket until it closes or has waited its tier's refresh", async (s) => {
    await host(s);
    const t0 = Date.UTC(2026, 10, 20);
    await s.writeBatch("h1", batch(1, t0 + 5_000, 10));
    const q = { metric: "cpu_percent", label: "", from: t0, to: t0 + 60_000, stepMs: 60_000 };
    const minute = () => buckets(s, { ...q, tier: "1m" });
    // 20 s into the minute: open, and dirty for less than 30 s.
    assertEquals(await s.rollUp({ now: t0 + 20_000, horizon: 0 }), { batches: 1, buckets: 0 });
    assertEquals(await minute(), []);
    await s.writeBatch("h1", batch(2, t0 + 35_000, 30));
    assertEquals((await s.rollUp({ now: t0 + 40_000, horizon: 0 })).buckets, 0);
    // Dirty for 30 s: recomputed though still open, with both samples.
    assertEquals((await s.rollUp({ now: t0 + 50_000, horizon: 0 })).buckets, 1);
    assertEquals((await minute()).map((b) => [b.n, b.avg]), [[2, 20]]);
    assertEquals(await s.rollUp({ now: t0 + 51_000, horizon: 0 }), { batches: 0, buckets: 0 });
    // The 10 min bucket waits 2 min from when the data came (20 s in), not from the cascade.
    const tenMinutes = () => buckets(s, { ...q, tier: "10m", stepMs: 600_000 });
    await s.rollUp({ now: t0 + 139_000, horizon: 0 });
    assertEquals(await tenMinutes(), []);
    await s.rollUp({ now: t0 + 141_000, horizon: 0 });
    assertEquals((await tenMinutes()).map((b) => [b.n, b.avg]), [[2, 20]]);
  });

  test("queryRange() reads many hosts at once and keeps them apart", async (s) => {
    await host(s, "h1");
    await host(s, "h2");
    await host(s, "h3");
    const t0 = Date.UTC(2026, 10, 20);
    await s.writeBatch("h1", batch(1, t0, 10));
    await s.writeBatch("h2", batch(1, t0 + 30_000, 20));
    await s.writeBatch("h2", batch(2, t0 + 90_000, 40));
    const read = () =>
      s.queryRange({
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

  test("pruneRollup() drops a tier's old buckets and leaves the other tiers", async (s) => {
    await host(s);
    const now = Date.now();
    const old = now - 40 * 86_400_000;
    await s.writeBatch("h1", batch(1, old, 10));
    await s.writeBatch("h1", batch(2, now, 20));
    await rollUpAll(s);
    const out = await s.pruneRollup("1m", now - 30 * 86_400_000);
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
    assertEquals((await s.pruneRollup("1m", now - 30 * 86_400_000)).rows, 0);
  });

  test("runRetention() keeps each tier for its own number of days", async (s) => {
    await host(s);
    const now = Date.now();
    const daysAgo = (d: number) => now - d * 86_400_000;
    let seq = 1;
    for (const d of [800, 400, 100, 20, 3, 0]) {
      await s.writeBatch("h1", batch(seq++, daysAgo(d), d));
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

  test("rememberNonce() refuses a nonce until it expires", async (s) => {
    assertEquals(await s.rememberNonce("n1", 1000, 0), true);
    assertEquals(await s.rememberNonce("n1", 1000, 500), false);
    assertEquals(await s.rememberNonce("n2", 1000, 500), true);
    // Expired entries are forgotten: the clock window refuses such a timestamp anyway.
    assertEquals(await s.rememberNonce("n1", 3000, 2000), true);
  });

  test("syncStatus() never moves last_seen backwards", async (s) => {
    await host(s);
    await s.syncStatus([{ id: "h1", status: "online", lastSeenMs: 5000, droppedBatches: 3 }]);
    await s.syncStatus([{ id: "h1", status: "offline", lastSeenMs: 1000, droppedBatches: 3 }]);
    const h = await s.getHost("h1");
    assertEquals([h?.status, h?.last_seen, h?.dropped_batches], [
      "offline",
      new Date(5000).toISOString(),
      3,
    ]);
  });

  test("API keys: live ones are found, revoked ones are not", async (s) => {
    await s.createApiKey({ id: "k1", name: "ci", hash: "hash1", createdAt: 0 });
    assertEquals(await s.useApiKey("hash1", 5), { id: "k1", name: "ci" });
    assertEquals(await s.useApiKey("nope", 5), null);
    assertEquals((await s.listApiKeys()).map((k) => k.name), ["ci"]);
    assertEquals(await s.revokeApiKey("k1", 6), true);
    assertEquals(await s.revokeApiKey("k1", 7), false);
    assertEquals(await s.useApiKey("hash1", 8), null);
    assertEquals(await s.listApiKeys(), []);
  });

  test("users: names are unique ignoring case; sessions expire and end", async (s) => {
    const u = { id: "u1", name: "Ann", passwordHash: "x", role: "admin" as const, createdAt: 0 };
    assertEquals(await s.createUser(u), true);
    assertEquals(await s.createUser({ ...u, id: "u2", name: "ANN" }), false);
    assertEquals((await s.findUserByName("aNN"))?.id, "u1");
    assertEquals(await s.countUsers(), 1);
    await s.createSession({ hash: "s1", userId: "u1", createdAt: 0, expiresAt: 100 });
    await s.createSession({ hash: "s2", userId: "u1", createdAt: 0, expiresAt: 100 });
    assertEquals((await s.sessionUser("s1", 50))?.name, "Ann");
    assertEquals(await s.sessionUser("s1", 100), null);
    await s.deleteUserSessions("u1", "s2");
    assertEquals([await s.sessionUser("s1", 1), (await s.sessionUser("s2", 1))?.id], [null, "u1"]);
    assertEquals(await s.updateUser("u1", { role: "viewer" }), true);
    assertEquals((await s.getUser("u1"))?.role, "viewer");
    assertEquals(await s.deleteUser("u1"), true);
    assertEquals(await s.sessionUser("s2", 1), null);
  });

  test("audit log lists newest first; settings set and clear", async (s) => {
    await s.audit({ at: 1, actor: "a", action: "one" });
    await s.audit({ at: 2, actor: "b", action: "two", target: "t", detail: "d" });
    assertEquals((await s.listAudit(10)).map((e) => [e.action, e.target, e.detail]), [[
      "two",
      "t",
      "d",
    ], ["one", "", ""]]);
    assertEquals(await s.getSetting("k"), null);
    await s.setSetting("k", "v1");
    await s.setSetting("k", "v2");
    assertEquals(await s.getSetting("k"), "v2");
    await s.setSetting("k", null);
    assertEquals(await s.getSetting("k"), null);
  });
}
