import { assertEquals } from "../../../lib/assert.ts";
import { SqliteStore } from "./sqlite_store.ts";
import type { StoredBatch } from "../store.ts";

async function withStore(fn: (s: SqliteStore) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/t.db`);
  try {
    await store.migrate();
    await fn(store);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function host(s: SqliteStore, id = "h1") {
  await s.createHostWithToken({
    hostId: id,
    name: `name-${id}`,
    tokenHash: `t-${id}`,
    createdAt: 0,
    expiresAt: 10_000,
  });
  const out = await s.registerHost(`t-${id}`, { fallbackName: "x", now: 1 });
  if (!out.ok) throw new Error(out.reason);
}

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

Deno.test("SqliteStore.migrate() is idempotent", async () => {
  await withStore(async (s) => {
    assertEquals(await s.migrate(), []);
  });
});

Deno.test("SqliteStore.registerHost() uses a token once and refuses expired ones", async () => {
  await withStore(async (s) => {
    const token = (hash: string, hostId: string, name: string | null) =>
      s.createHostWithToken({ hostId, name, tokenHash: hash, createdAt: 0, expiresAt: 100 });
    const pending = await token("a", "1", null);
    assertEquals([pending.registered, await s.keyGeneration("1")], [false, null]);
    await token("b", "2", "web");
    assertEquals((await s.registerHost("zzz", { fallbackName: "h", now: 50 })).ok, false);
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
});

Deno.test("SqliteStore.deleteHost() removes the host with its data and its token", async () => {
  await withStore(async (s) => {
    await host(s);
    await s.writeBatch("h1", batch(1, 30_000, 10));
    assertEquals(await s.deleteHost("h1"), true);
    assertEquals(await s.getHost("h1"), null);
    assertEquals(Number(s.db.prepare("SELECT COUNT(*) AS n FROM samples").get()!.n), 0);
    assertEquals(await s.deleteHost("h1"), false);
    // A token whose host is gone registers nothing.
    await s.createHostWithToken({
      hostId: "h2",
      name: "x",
      tokenHash: "t2",
      createdAt: 0,
      expiresAt: 1e15,
    });
    await s.deleteHost("h2");
    assertEquals((await s.registerHost("t2", { fallbackName: "h", now: 1 })).ok, false);
  });
});

Deno.test("SqliteStore.writeBatch() is idempotent on (host, seq)", async () => {
  await withStore(async (s) => {
    await host(s);
    assertEquals(await s.writeBatch("h1", batch(1, 30_000, 10)), { inserted: true });
    assertEquals(await s.writeBatch("h1", batch(1, 30_000, 99)), { inserted: false });
    assertEquals(await s.writeBatch("h1", batch(2, 60_000, 20)), { inserted: true });
    assertEquals(await s.lastSeq("h1"), 2);
    assertEquals(await s.queryRange("h1", "cpu_percent", "", 0, 120_000, 30_000), [[30_000, 10], [
      60_000,
      20,
    ]]);
    assertEquals((await s.latest("h1"))?.data, { cpu_percent: 20 });
  });
});

Deno.test("SqliteStore.writeBatch() keeps the newest snapshot when batches arrive out of order", async () => {
  await withStore(async (s) => {
    await host(s);
    await s.writeBatch("h1", batch(2, 60_000, 20));
    await s.writeBatch("h1", batch(1, 30_000, 10));
    assertEquals((await s.latest("h1"))?.data, { cpu_percent: 20 });
    assertEquals((await s.getHost("h1"))?.last_seen, new Date(60_000).toISOString());
  });
});

Deno.test("SqliteStore.queryRange() averages per bucket and leaves empty buckets out", async () => {
  await withStore(async (s) => {
    await host(s);
    await s.writeBatch("h1", batch(1, 0, 10));
    await s.writeBatch("h1", batch(2, 30_000, 20));
    await s.writeBatch("h1", batch(3, 180_000, 40));
    assertEquals(await s.queryRange("h1", "cpu_percent", "", 0, 240_000, 60_000), [[0, 15], [
      180_000,
      40,
    ]]);
    assertEquals(await s.queryRange("h1", "cpu_percent", "", 200_000, 240_000, 60_000), []);
    assertEquals(await s.seriesLabels("h1", "fs_used_bytes"), ["/"]);
  });
});

Deno.test("SqliteStore stores a 10,000-point batch in one write", async () => {
  await withStore(async (s) => {
    await host(s);
    const points = Array.from(
      { length: 10_000 },
      (_, i) => ({ metric: "temp_celsius", label: `s${i}`, value: i }),
    );
    await s.writeBatch("h1", { seq: 1, ts: 1000, points, latest: {} });
    assertEquals((await s.seriesLabels("h1", "temp_celsius")).length, 10_000);
    assertEquals(await s.queryRange("h1", "temp_celsius", "s9999", 0, 2000, 1000), [[1000, 9999]]);
  });
});

Deno.test("SqliteStore.useApiKey() finds live keys only", async () => {
  await withStore(async (s) => {
    await s.createApiKey({ id: "k1", name: "ci", hash: "hash1", createdAt: 0 });
    assertEquals(await s.useApiKey("hash1", 5), { id: "k1", name: "ci" });
    assertEquals(await s.useApiKey("nope", 5), null);
    s.db.exec("UPDATE api_keys SET revoked_at = 1");
    assertEquals(await s.useApiKey("hash1", 5), null);
  });
});

Deno.test("SqliteStore.syncStatus() never moves last_seen backwards", async () => {
  await withStore(async (s) => {
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
});
