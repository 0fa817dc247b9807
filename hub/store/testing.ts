/**
 * What tests and benches read from a store that no production code asks for,
 * straight from its database: kept off the store's interfaces.
 */
import { rows } from "./sql.ts";
import type { Store } from "./store.ts";
import { SqliteStore } from "./sqlite/store.ts";
import { PostgresStore } from "./postgres/store.ts";

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
