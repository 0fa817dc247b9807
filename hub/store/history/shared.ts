/**
 * The rollup job's store operations on either dialect: one plan each
 * (rollup_sql.ts). Each takes the rollup lease's row lock first, so no two
 * runs (on two hubs) overlap and a host's removal waits for a run in flight;
 * a run for a holder writes nothing unless that holder still has the lease.
 * Where the dialects part (scratch tables, pruning) the subclasses in
 * sqlite.ts and postgres.ts say.
 */
import { count, type Db, type Plan, rows } from "../sql.ts";
import { ROLLUPS } from "../tiers.ts";
import { impossibleSql, type RollupRun, rollupRun, seriesName } from "./rollup_sql.ts";
import { type HistoryStore, ROLLUP_LEASE } from "./types.ts";
import { lockLease } from "../leases/shared.ts";

/** The operations both dialects share; pruning is each dialect's own. */
export abstract class SqlHistoryStore implements
  Pick<
    HistoryStore,
    "rollUp" | "rollupPendingHosts" | "dropImpossible" | "setAsideRollup"
  > {
  constructor(protected readonly db: Db) {}

  /** Makes (or empties) the scratch tables `rollup_take` and `rollup_due` for one run. */
  protected abstract scratch(): Plan<void>;

  rollUp(o: RollupRun): Promise<{ batches: number; buckets: number }> {
    const [scratch, run] = [this.scratch(), rollupRun(this.db.dialect, o)];
    return this.db.tx(function* () {
      yield* lockLease(ROLLUP_LEASE, o.holder);
      yield* scratch;
      return yield* run;
    }());
  }

  rollupPendingHosts(): Promise<string[]> {
    const sql = impossibleSql(this.db.dialect).pendingHosts;
    return this.db.run(function* () {
      return (yield* rows(sql)).map((r) => String(r.host_id));
    }());
  }

  dropImpossible(hostId: string, now: number): Promise<string[]> {
    const sql = impossibleSql(this.db.dialect);
    const p = { host: hostId, now };
    return this.db.tx(function* () {
      yield* lockLease(ROLLUP_LEASE);
      const series = (yield* rows(sql.series, p)).map((r) =>
        seriesName(String(r.metric), String(r.label))
      );
      for (const tier of ROLLUPS) {
        yield* count(sql.markSpoiled(tier), p);
        yield* count(sql.dropSpoiled(tier), p);
      }
      yield* count(sql.markSamples, p);
      yield* count(sql.dropSamples, p);
      return series.sort();
    }());
  }

  setAsideRollup(hostId: string): Promise<number> {
    const [mark, forget] = impossibleSql(this.db.dialect).setAside;
    return this.db.tx(function* () {
      yield* lockLease(ROLLUP_LEASE);
      const n = yield* count(mark, { host: hostId });
      yield* count(forget, { host: hostId });
      return n;
    }());
  }
}
