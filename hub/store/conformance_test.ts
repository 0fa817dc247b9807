/** Runs the store conformance suite against every backend available here. */
import { storeConformance } from "./conformance.ts";
import { SqliteStore } from "./sqlite/sqlite_store.ts";
import { PostgresStore } from "./postgres/postgres_store.ts";
import { freshDatabase, testDatabaseServer } from "../../tests/pg.ts";

storeConformance("SqliteStore", async () => {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/t.db`);
  await store.migrate();
  return {
    store,
    dispose: async () => {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});

const server = testDatabaseServer();
storeConformance("PostgresStore", async () => {
  const db = await freshDatabase(server!);
  const store = new PostgresStore(db.url, { pool: 2 });
  await store.migrate();
  return {
    store,
    dispose: async () => {
      await store.close();
      await db.drop();
    },
  };
}, { ignore: server === null });

Deno.test({
  name: "PostgresStore keeps day partitions of samples ready around now",
  ignore: server === null,
  async fn() {
    const db = await freshDatabase(server!);
    const store = new PostgresStore(db.url, { pool: 2 });
    try {
      await store.migrate();
      const day = (offset: number) =>
        `samples_${
          new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "")
        }`;
      const parts =
        (await store.sql`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'samples'::regclass`).map((r) => String(r.relname));
      for (const name of [day(-1), day(0), day(1), day(3), "samples_default"]) {
        if (!parts.includes(name)) throw new Error(`missing partition ${name}: ${parts}`);
      }
      // Older days too, when history is copied in (after today's already exist).
      await store.ensurePartitions(Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 3));
      const older =
        (await store.sql`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
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
    } finally {
      await store.close();
      await db.drop();
    }
  },
});

Deno.test({
  name:
    "PostgresStore.migrate() names the file and line that failed and leaves the schema as it was",
  ignore: server === null,
  async fn() {
    const db = await freshDatabase(server!);
    const store = new PostgresStore(db.url, { pool: 2 });
    try {
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
      const tables = (await store.sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
        .map((r) => String(r.tablename));
      if (tables.length !== 0) throw new Error(`schema changed: ${tables}`);
    } finally {
      await store.close();
      await db.drop();
    }
  },
});
