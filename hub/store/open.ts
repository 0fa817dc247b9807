/** Opens the store a DATABASE_URL names. */
import type { Store } from "./store.ts";
import { SqliteStore } from "./sqlite/store.ts";
import { PostgresStore } from "./postgres/store.ts";

/** Opens (without migrating) the backend for `databaseUrl`: `sqlite:PATH` or `postgres://…`. */
export function openStore(databaseUrl: string, options: { pool?: number } = {}): Store {
  if (databaseUrl.startsWith("sqlite:")) {
    return new SqliteStore(databaseUrl.slice("sqlite:".length));
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return new PostgresStore(databaseUrl, options);
  throw new RangeError(
    "Cannot open store: DATABASE_URL must be postgres://… (or unset for SQLite)",
  );
}
