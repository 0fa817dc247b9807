/**
 * Leases on either dialect: the SQL agrees (SQLite has the same upsert with
 * RETURNING), and so does the in-transaction fence other domains use.
 */
import { count, type Db, first, type Plan, rows } from "../sql.ts";
import { LeaseLostError, type LeaseStore } from "./types.ts";

/**
 * Inside a transaction: locks lease `name`'s row (making it if need be) until
 * the transaction ends, so transactions doing the lease's work never overlap
 * (another hub's renewal, and a host's removal, wait for this one); with
 * `holder`, throws {@link LeaseLostError} unless `holder` holds it now, so a
 * hub that lost the lease during a stall writes nothing.
 */
export function* lockLease(name: string, holder?: string): Plan<void> {
  const row = yield* first(
    `INSERT INTO leases (name, holder, expires_at) VALUES (:name, '', 0)
    ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING holder, expires_at`,
    { name },
  );
  if (holder === undefined) return;
  if (row?.holder !== holder || Number(row.expires_at) <= Date.now()) {
    throw new LeaseLostError(name, holder);
  }
}

/** {@link LeaseStore} on one database. */
export class SqlLeaseStore implements LeaseStore {
  constructor(private readonly db: Db) {}

  acquire(
    name: string,
    holder: string,
    ttlMs: number,
    now: number,
    predecessor: string | null = null,
  ): Promise<boolean> {
    return this.db.run(function* () {
      // `= NULL` is never true: without a predecessor that arm takes nothing.
      const won = yield* rows(
        `INSERT INTO leases (name, holder, expires_at) VALUES (:name, :holder, :until)
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE leases.expires_at <= :now OR leases.holder = excluded.holder
          OR leases.holder = :predecessor
        RETURNING holder`,
        { name, holder, until: now + ttlMs, now, predecessor },
      );
      return won.length > 0;
    }());
  }

  release(name: string, holder: string): Promise<boolean> {
    return this.db.run(function* () {
      const ended = yield* count(
        `UPDATE leases SET expires_at = 0
        WHERE name = :name AND holder = :holder AND expires_at > 0`,
        { name, holder },
      );
      return ended > 0;
    }());
  }
}
