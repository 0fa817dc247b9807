/** Runs the store conformance suite (every domain's) against every backend available here. */
import { storeConformance } from "./conformance.ts";
import { testBackends } from "./testing.ts";
import { SqliteStore } from "./sqlite/store.ts";
import { PostgresStore } from "./postgres/store.ts";
import postgres from "postgres";
import { until } from "../../tests/harness.ts";
import { freshDatabase, testDatabaseServer } from "../../tests/pg.ts";
import { DatabaseSync } from "node:sqlite";
import { assertEquals } from "../../lib/assert.ts";
import { runRetention } from "./retention.ts";
import { DEFAULT_RETENTION } from "./tiers.ts";
import { host } from "./conformance_helpers.ts";

for (const backend of testBackends()) {
  storeConformance(backend.name, backend.open, { ignore: backend.ignore });
}

const server = testDatabaseServer();

/** A PostgreSQL-only test on a fresh database, migrated unless told not to. */
function pgTest(
  name: string,
  fn: (store: PostgresStore, url: string) => Promise<void>,
  { migrate = true } = {},
) {
  Deno.test({
    name,
    ignore: server === null,
    async fn() {
      const db = await freshDatabase(server!);
      const store = new PostgresStore(db.url, { pool: 2 });
      try {
        if (migrate) await store.migrate();
        await fn(store, db.url);
      } finally {
        await store.close();
        await db.drop();
      }
    },
  });
}

pgTest("PostgresStore keeps day partitions of samples ready around now", async (store) => {
  const day = (offset: number) =>
    `samples_${
      new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "")
    }`;
  const parts =
    (await store.db.sql`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'samples'::regclass`).map((r) => String(r.relname));
  for (const name of [day(-1), day(0), day(1), day(3), "samples_default"]) {
    if (!parts.includes(name)) throw new Error(`missing partition ${name}: ${parts}`);
  }
  // Older days too, when history is copied in (after today's already exist).
  await store.partitions.ensure(Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 3));
  const older =
    (await store.db.sql`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'samples'::regclass`).map((r) => String(r.relname));
  for (
    const name of [
      "samples_20241231",
      "samples_20250101",
      "samples_20250103",
      "samples_20250106",
    ]
  ) {
    if (!older.includes(name)) throw new Error(`missing partition ${name}: ${older}`);
  }
});

pgTest(
  "PostgresStore: old log lines go to the default partition, making no partition of their days",
  async (store) => {
    await host(store, "h1");
    const parts = async () =>
      (await store.db.sql`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE c.relname ~ '_2021[0-9]{4}$'`).length;
    const ts = Date.UTC(2021, 5, 1);
    await store.logs.writeBatch("h1", {
      seq: 1,
      ts,
      lines: [{ ts, source_id: "s", origin: "journal:x", level: "", message: "from 2021" }],
      dropped: 0,
      errors: [],
    }, Date.now());
    assertEquals(await parts(), 0);
    const found = await store.logs.search({ text: "from 2021", limit: 5 });
    assertEquals(found.lines.map((l) => l.message), ["from 2021"]);
  },
);

pgTest(
  "PostgresStore: every day partition of log lines, old and new, samples its messages 1,000-fold",
  async (store) => {
    // The planner's guess of how common a searched text is comes from each partition's own
    // statistics (sql/postgres/0017): a partition made later must get the target too.
    await store.partitions.ensure(Date.UTC(2030, 0, 1));
    const targets = await store.db.sql`SELECT c.relname, a.attstattarget FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'message'
      WHERE i.inhparent = 'log_lines'::regclass`;
    const names = targets.map((r) => String(r.relname));
    for (const name of ["log_lines_default", "log_lines_20300101"]) {
      if (!names.includes(name)) throw new Error(`missing partition ${name}: ${names}`);
    }
    assertEquals(
      targets.filter((r) => Number(r.attstattarget) !== 1000).map((r) => r.relname),
      [],
    );
  },
);

pgTest(
  "PostgresStore.migrate() names the file and line that failed and leaves the schema as it was",
  async (store) => {
    const good = { version: 1, name: "0001_good.sql", sql: "CREATE TABLE a (x INT);" };
    const bad = {
      version: 2,
      name: "0002_bad.sql",
      sql: "CREATE TABLE b (x INT);\n\nCREATE TABLE c (x NOPE);",
    };
    const err = await store.migrate([good, bad]).then(() => null, (e: Error) => e);
    if (!err || !err.message.includes("0002_bad.sql (line 3)")) {
      throw new Error(`unexpected: ${err?.message}`);
    }
    const tables = (await store.db.sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
      .map((r) => String(r.tablename));
    if (tables.length !== 0) throw new Error(`schema changed: ${tables}`);
  },
  { migrate: false },
);

pgTest("PostgresStore retention drops whole partitions of samples and rollups", async (store) => {
  const now = Date.now();
  const old = now - 60 * 86_400_000;
  await store.partitions.ensure(old, now);
  const tables = async () =>
    (await store.db.sql`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE c.relname ~ '^(samples|rollup_1m|rollup_10m|rollup_1h)_[0-9]{8}$'`)
      .map((r) => String(r.relname));
  const before = await tables();
  const removed = await runRetention(store, DEFAULT_RETENTION, now);
  const after = await tables();
  const gone = before.filter((t) => !after.includes(t));
  const count = (prefix: string) => gone.filter((t) => t.startsWith(`${prefix}_2`)).length;
  // About 53 days of raw and 30 of 1 min partitions go; 10 min and 1 h ones are still kept.
  assertEquals([count("samples") >= 52, count("rollup_1m") >= 29], [true, true]);
  assertEquals([count("rollup_10m"), count("rollup_1h")], [0, 0]);
  assertEquals(removed.raw.partitions, count("samples"));
  assertEquals(removed["1m"].partitions, count("rollup_1m"));
});

Deno.test("SqliteStore gives pruned space back to the file system", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/t.db`;
  const store = new SqliteStore(path);
  try {
    await store.migrate();
    assertEquals(store.db.raw.prepare("PRAGMA auto_vacuum").get()?.auto_vacuum, 2);
    await store.hosts.create({
      hostId: "h1",
      name: "x",
      tokenHash: "t",
      createdAt: 0,
      expiresAt: 1e15,
    });
    await store.hosts.register("t", { fallbackName: "x", now: 1 });
    const points = Array.from(
      { length: 200 },
      (_, i) => ({ metric: "m", label: `${i}`, value: i }),
    );
    const old = Date.now() - 100 * 86_400_000;
    for (let i = 0; i < 200; i++) {
      await store.metrics.writeBatch("h1", {
        seq: i + 1,
        ts: old + i * 30_000,
        points,
        latest: {},
      });
    }
    store.db.raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const full = (await Deno.stat(path)).size;
    await runRetention(store, DEFAULT_RETENTION);
    store.db.raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const after = (await Deno.stat(path)).size;
    assertEquals(after < full / 2, true, `${full} → ${after} bytes`);
    assertEquals(store.db.raw.prepare("PRAGMA freelist_count").get()?.freelist_count, 0);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SqliteStore switches a file made without incremental vacuum, keeping its data", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/t.db`;
  try {
    const legacy = new DatabaseSync(path);
    legacy.exec("CREATE TABLE keep (x INTEGER); INSERT INTO keep VALUES (42);");
    legacy.close();
    const store = new SqliteStore(path);
    await store.migrate();
    assertEquals(store.db.raw.prepare("PRAGMA auto_vacuum").get()?.auto_vacuum, 2);
    assertEquals(store.db.raw.prepare("SELECT x FROM keep").get()?.x, 42);
    await store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

pgTest("PostgresStore hosts.remove() waits for a rollup run in flight", async (store, url) => {
  await store.hosts.create({
    hostId: "h0",
    name: "web-1",
    tokenHash: "t0",
    createdAt: 0,
    expiresAt: 1e15,
  });
  const other = postgres(url, { max: 1, onnotice: () => {} });
  try {
    let deleted: Promise<boolean> | null = null;
    await other.begin(async (tx) => {
      // Another hub's rollup run holds the rollup lease's row, as it does while it writes buckets.
      await tx`INSERT INTO leases VALUES ('rollup', 'other-hub', 0) ON CONFLICT DO NOTHING`;
      await tx`SELECT 1 FROM leases WHERE name = 'rollup' FOR UPDATE`;
      deleted = store.hosts.remove("h0");
      await until(
        "hosts.remove waiting on the rollup lock",
        async () => (await tx`SELECT 1 FROM pg_locks WHERE NOT granted`).length > 0,
      );
      const [{ n }] = await tx`SELECT count(*)::int AS n FROM hosts WHERE id = 'h0'`;
      assertEquals(n, 1);
    });
    assertEquals(await deleted, true);
    assertEquals(await store.hosts.get("h0"), null);
  } finally {
    await other.end();
  }
});
