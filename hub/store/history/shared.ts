/**
 * The rollup job's store operations on either dialect: one plan each
 * (rollup_sql.ts). Where the dialects part (scratch tables, the lock another
 * hub's run holds, pruning) the subclasses in sqlite.ts and postgres.ts say.
 */
import { count, type Db, type Plan, rows } from "../sql.ts";
import { ROLLUPS } from "../tiers.ts";
import { impossibleSql, type RollupRun, rollupRun, seriesName } from "./rollup_sql.ts";
import type { HistoryStore } from "./types.ts";

/** The operations both dialects share; pruning is each dialect's own. */
export abstract class SqlHistoryStore implements
  Pick<
    HistoryStore,
    "rollUp" | "rollupPendingHosts" | "dropImpossible" | "setAsideRollup"
  > {
  constructor(protected readonly db: Db) {}

  /** Makes (or empties) the scratch tables `rollup_take` and `rollup_due` for one run. */
  protected abstract scratch(): Plan<void>;
  /**
   * Keeps other hubs' rollup transactions off until this one ends: waits for
   * one in flight, or with `wait` false says false instead (the run skips).
   */
  protected abstract exclude(wait: boolean): Plan<boolean>;

  rollUp(o: RollupRun): Promise<{ batches: number; buckets: number }> {
    const [exclude, scratch, run] = [
      this.exclude(false),
      this.scratch(),
      rollupRun(this.db.dialect, o),
    ];
    return this.db.tx(function* () {
      if (!(yield* exclude)) return { batches: 0, buckets: 0 };
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
    const exclude = this.exclude(true);
    const p = { host: hostId, now };
    return this.db.tx(function* () {
      yield* exclude;
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
    const exclude = this.exclude(true);
    return this.db.tx(function* () {
      yield* exclude;
      const n = yield* count(mark, { host: hostId });
      yield* count(forget, { host: hostId });
      return n;
    }());
  }
}
