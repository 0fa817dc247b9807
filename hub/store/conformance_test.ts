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
