/** Opens the store a DATABASE_URL names. */
import type { Store } from "./store.ts";
import { SqliteStore } from "./sqlite/sqlite_store.ts";

/** Opens (without migrating) the backend for `databaseUrl`. */
export function openStore(databaseUrl: string): Store {
  if (databaseUrl.startsWith("sqlite:")) {
    return new SqliteStore(databaseUrl.slice("sqlite:".length));
  }
  throw new RangeError("Cannot open store: PostgreSQL is not supported by this build yet");
}
