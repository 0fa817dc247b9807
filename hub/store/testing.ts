/**
 * What tests and benches read from a store that no production code asks for,
 * straight from its database: kept off the store's interfaces.
 */
import { rows } from "./sql.ts";
import type { Store } from "./store.ts";
import { SqliteStore } from "./sqlite/store.ts";
import { PostgresStore } from "./postgres/store.ts";
import type { OpenStore } from "./conformance_helpers.ts";
import { freshDatabase, testDatabaseServer } from "../../tests/pg.ts";

/** A backend to run tests on: how to open an empty, migrated store, and whether to skip it. */
export interface TestBackend {
  name: "SqliteStore" | "PostgresStore";
  open: OpenStore;
  ignore: boolean;
}

/**
 * Both backends: SQLite in a temp dir, and PostgreSQL in a fresh database on
 * the test server (DATABASE_URL), skipped when there is none.
 */
export function testBackends(): TestBackend[] {
  const server = testDatabaseServer();
  return [
    {
      name: "SqliteStore",
      ignore: false,
      async open() {
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
      },
    },
    {
      name: "PostgresStore",
      ignore: server === null,
      async open() {
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
      },
    },
  ];
}

/** The seqs of a host's stored batches in the order they arrived. */
export async function batchSeqs(store: Store, hostId: string): Promise<number[]> {
  if (!(store instanceof SqliteStore || store instanceof PostgresStore)) {
    throw new TypeError("batchSeqs: not a SQLite or PostgreSQL store");
  }
  const found = await store.db.run(
    rows("SELECT seq FROM batches WHERE host_id = :host ORDER BY id", { host: hostId }),
  );
  return found.map((r) => Number(r.seq));
}

/** Every row of `table` as the database holds it (columns as stored, JSON as text or jsonb). */
export async function rawRows(store: Store, table: "channels"): Promise<Record<string, unknown>[]> {
  if (!(store instanceof SqliteStore || store instanceof PostgresStore)) {
    throw new TypeError("rawRows: not a SQLite or PostgreSQL store");
  }
  return await store.db.run(rows(`SELECT * FROM ${table}`));
}
