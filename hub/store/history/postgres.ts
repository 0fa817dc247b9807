/**
 * History in PostgreSQL: pruning drops whole partitions and leaves freeing
 * space to autovacuum.
 */
import type postgres from "postgres";
import { ddl, type Plan } from "../sql.ts";
import type { PostgresDb } from "../postgres/db.ts";
import type { Partitions } from "../postgres/partitions.ts";
import { rollupTable, type RollupTier } from "../tiers.ts";
import { SqlHistoryStore } from "./shared.ts";
import type { HistoryStore } from "./types.ts";

/** {@link HistoryStore} in PostgreSQL. */
export class PostgresHistoryStore extends SqlHistoryStore implements HistoryStore {
  readonly #sql: postgres.Sql;

  constructor(conn: PostgresDb, private readonly partitions: Partitions) {
    super(conn);
    this.#sql = conn.sql;
  }

  protected *scratch(): Plan<void> {
    yield* ddl(`CREATE TEMP TABLE rollup_take
      (id BIGINT PRIMARY KEY, host_id TEXT NOT NULL, ts BIGINT NOT NULL) ON COMMIT DROP`);
    yield* ddl(`CREATE TEMP TABLE rollup_due
      (host_id TEXT NOT NULL, bucket BIGINT NOT NULL, since BIGINT NOT NULL,
        PRIMARY KEY (host_id, bucket)) ON COMMIT DROP`);
  }

  async pruneRaw(
    before: number,
    limit = 50_000,
  ): Promise<{ samples: number; partitions: number; batches: number }> {
    // Whole days go by dropping their partition: no slow DELETE on the hot table.
    const { rows: samples, partitions } = await this.partitions.prune(
      "samples",
      "ts",
      before,
      limit,
    );
    const batches = (await this
      .#sql`DELETE FROM batches WHERE id IN (SELECT b.id FROM batches b WHERE b.ts < ${before}
      AND b.rolled_up AND b.seq < (SELECT MAX(seq) FROM batches m WHERE m.host_id = b.host_id) LIMIT ${limit})`)
      .count;
    return { samples, partitions, batches };
  }

  async pruneRollup(
    tier: RollupTier["name"],
    before: number,
    limit = 50_000,
  ): Promise<{ rows: number; partitions: number }> {
    return await this.partitions.prune(rollupTable(tier), "bucket", before, limit);
  }

  /** Autovacuum gives freed space back; nothing to do here. */
  reclaimSpace(_maxPages: number): Promise<number> {
    return Promise.resolve(0);
  }
}
