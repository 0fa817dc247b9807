/**
 * History in SQLite: one writer at a time by the file's write lock, so no
 * run waits for another; pruning deletes in short slices and gives the space
 * back by incremental vacuum.
 */
import { ddl, type Plan } from "../sql.ts";
import type { SqliteDb } from "../sqlite/db.ts";
import { rollupTable, type RollupTier } from "../tiers.ts";
import { SqlHistoryStore } from "./shared.ts";
import type { HistoryStore } from "./types.ts";

/** {@link HistoryStore} in SQLite. */
export class SqliteHistoryStore extends SqlHistoryStore implements HistoryStore {
  constructor(private readonly conn: SqliteDb) {
    super(conn);
  }

  protected *scratch(): Plan<void> {
    yield* ddl(`CREATE TEMP TABLE IF NOT EXISTS rollup_take
      (id INTEGER PRIMARY KEY, host_id TEXT NOT NULL, ts INTEGER NOT NULL)`);
    yield* ddl(`CREATE TEMP TABLE IF NOT EXISTS rollup_due
      (host_id TEXT NOT NULL, bucket INTEGER NOT NULL, since INTEGER NOT NULL,
        PRIMARY KEY (host_id, bucket))`);
    yield* ddl("DELETE FROM rollup_take");
  }

  pruneRaw(
    before: number,
    limit = 50_000,
  ): Promise<{ samples: number; partitions: number; batches: number }> {
    const samples = this.#prune("samples", "ts", before, limit);
    const batches = this.conn.txSync(() =>
      Number(
        this.conn.q(`DELETE FROM batches WHERE id IN (SELECT b.id FROM batches b WHERE b.ts < ?
          AND b.rolled_up = 1 AND b.seq < (SELECT MAX(seq) FROM batches m WHERE m.host_id = b.host_id) LIMIT ?)`)
          .run(before, limit).changes,
      )
    );
    return Promise.resolve({ samples, partitions: 0, batches });
  }

  pruneRollup(
    tier: RollupTier["name"],
    before: number,
    limit = 50_000,
  ): Promise<{ rows: number; partitions: number }> {
    return Promise.resolve({
      rows: this.#prune(rollupTable(tier), "bucket", before, limit),
      partitions: 0,
    });
  }

  /**
   * Deletes up to `limit` rows of a (series_id, time) keyed table older than
   * `before`, in one short transaction so ingest never waits long for the
   * lock. Walks the primary key series by series (CROSS JOIN fixes that
   * order) instead of scanning the whole table past every recent row.
   */
  #prune(table: string, column: string, before: number, limit: number): number {
    return this.conn.txSync(() =>
      Number(
        this.conn.q(`DELETE FROM ${table} WHERE (series_id, ${column}) IN
          (SELECT x.series_id, x.${column} FROM series r
            CROSS JOIN ${table} x ON x.series_id = r.id AND x.${column} < ? LIMIT ?)`)
          .run(before, limit).changes,
      )
    );
  }

  reclaimSpace(maxPages: number): Promise<number> {
    const free = Number(this.conn.q("PRAGMA freelist_count").get()?.freelist_count ?? 0);
    if (free === 0) return Promise.resolve(0);
    const pages = Math.min(free, maxPages);
    // Each step of the pragma frees one page: it must be stepped to the end.
    this.conn.raw.prepare(`PRAGMA incremental_vacuum(${pages})`).all();
    return Promise.resolve(pages);
  }
}
