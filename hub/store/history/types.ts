/**
 * Metric history kept for years: the rollup tiers (1 min … 1 d) the history
 * worker folds stored batches into, what a run cannot fold, and retention.
 */
import type { RollupTier } from "../tiers.ts";
import type { RollupRun } from "./rollup_sql.ts";

/**
 * The lease the rollup job (and retention) runs under: one hub of a cluster
 * does it. Every rollup transaction takes the lease's row lock.
 */
export const ROLLUP_LEASE = "rollup";

export interface HistoryStore {
  /**
   * Folds stored batches into the rollup tiers (see sql/sqlite/0005_rollups.sql):
   * takes up to `limit` batches not yet rolled up, adds those older than
   * `horizon` to every tier, marks the 1 min buckets of the others dirty, and
   * recomputes up to `limit` dirty buckets per tier that are due (closed, or
   * waiting longer than the tier's refresh; every one with `force`). Says how
   * many batches and buckets it did; call again while either reaches `limit`.
   * With `holder`, throws LeaseLostError and writes nothing unless that
   * holder has the rollup lease.
   */
  rollUp(o: RollupRun): Promise<{ batches: number; buckets: number }>;
  /** Hosts with batches or buckets waiting for the rollup job. */
  rollupPendingHosts(): Promise<string[]>;
  /**
   * Removes a host's stored values that no metric can have, and the rollup
   * buckets they spoiled (marked to be recomputed from what is left); returns
   * the series that held them, as `metric` or `metric{label}`.
   */
  dropImpossible(hostId: string, now: number): Promise<string[]>;
  /** Leaves a host's waiting batches and buckets out of the rollups; returns the batches. */
  setAsideRollup(hostId: string): Promise<number>;
  /**
   * Drops raw samples older than `before` (whole day partitions where the
   * backend has them) and batch records older than that, once rolled up, but
   * each host's last, at most `limit` rows a call, so a big backlog is worked
   * off in steps. Returns the rows (or partitions) it removed.
   */
  pruneRaw(
    before: number,
    limit?: number,
  ): Promise<{ samples: number; partitions: number; batches: number }>;
  /** Drops a rollup tier's buckets older than `before`, as pruneRaw does samples. */
  pruneRollup(
    tier: RollupTier["name"],
    before: number,
    limit?: number,
  ): Promise<{ rows: number; partitions: number }>;
  /**
   * Gives space freed by pruning back to the file system, at most `maxPages`
   * pages a call (SQLite's incremental vacuum); 0 where the server does it.
   */
  reclaimSpace(maxPages: number): Promise<number>;
}
