/**
 * The rollup job's SQL, one text for both dialects: it only differs in how
 * booleans and two-argument min/max are spelled (placeholders are `:name`,
 * sql.ts numbers them). Each statement works on two scratch
 * tables the caller creates for the transaction: `rollup_take (id, host_id,
 * ts)`, the batches taken this run, and `rollup_due (host_id, bucket, since)`,
 * the buckets of one tier recomputed this run.
 */
import { CLOSE_GRACE_MS, ROLLUPS, type RollupTier } from "../tiers.ts";
import { count, ddl, type Dialect, type Plan } from "../sql.ts";

/** Spellings that differ between the dialects. */
function words(d: Dialect) {
  // SQLite knows nothing of the scratch tables' sizes and may scan samples
  // whole; CROSS JOIN makes it loop from the small scratch table outwards.
  return d === "sqlite"
    ? { least: "MIN", greatest: "MAX", no: "0", yes: "1", join: "CROSS JOIN" }
    : { least: "LEAST", greatest: "GREATEST", no: "false", yes: "true", join: "JOIN" };
}

/**
 * One group per series and bucket, named in the order the joins walk them
 * (due bucket, then the host's series by their unique key), so no sort is
 * needed to group.
 */
const GROUP_IN_LOOP_ORDER = "d.host_id, d.bucket, r.metric, r.label, r.id";

/** The tier below `tier` and its width; raw samples below the 1 min tier. */
function below(tier: RollupTier): RollupTier | null {
  const i = ROLLUPS.indexOf(tier);
  return i > 0 ? ROLLUPS[i - 1] : null;
}

/**
 * The upsert tail for a tier: `replace` overwrites a bucket with its
 * recomputed figures, otherwise the new figures are added to it.
 */
function upsert(d: Dialect, tier: RollupTier, replace: boolean): string {
  const w = words(d);
  const t = tier.table;
  const set = replace
    ? "n = excluded.n, sum = excluded.sum, min = excluded.min, max = excluded.max, " +
      "last = excluded.last, last_ts = excluded.last_ts"
    : `n = ${t}.n + excluded.n, sum = ${t}.sum + excluded.sum,
      min = ${w.least}(${t}.min, excluded.min), max = ${w.greatest}(${t}.max, excluded.max),
      last = CASE WHEN excluded.last_ts >= ${t}.last_ts THEN excluded.last ELSE ${t}.last END,
      last_ts = ${w.greatest}(${t}.last_ts, excluded.last_ts)`;
  return `ON CONFLICT (series_id, bucket) DO UPDATE SET ${set}`;
}

/** The statements of one run, in the order they run. */
export function rollupSql(d: Dialect) {
  const w = words(d);
  return {
    /** Takes up to :limit batches not rolled up yet, oldest first (of one host, with `host`). */
    take: (host: boolean) =>
      `INSERT INTO rollup_take (id, host_id, ts)
      SELECT id, host_id, ts FROM batches WHERE rolled_up = ${w.no}
        ${host ? "AND host_id = :host" : ""} ORDER BY id LIMIT :limit`,
    /** Marks the 1 min buckets of the recent ones dirty. */
    markDirty: `INSERT INTO rollup_dirty (tier, host_id, bucket, since)
      SELECT DISTINCT '1m', host_id, ts - ts % 60000, CAST(:now AS BIGINT) FROM rollup_take
      WHERE ts >= :horizon
      ON CONFLICT (tier, host_id, bucket) DO NOTHING`,
    /**
     * Adds the samples of the old ones to a tier as they are. A batch at the
     * same instant as an earlier metrics batch of its host adds nothing: its
     * samples were not stored (the earlier one's were), so counting them
     * again would be wrong. Another kind's batch (packages, checks) stored no
     * samples at all, so it takes nothing away.
     */
    addLate: (tier: RollupTier) =>
      `INSERT INTO ${tier.table} (series_id, bucket, n, sum, min, max, last, last_ts)
      SELECT a.series_id, a.bucket, a.n, a.sum, a.min, a.max, x.value, a.last_ts
      FROM (SELECT s.series_id, s.ts - s.ts % ${tier.ms} AS bucket, COUNT(*) AS n,
          SUM(s.value) AS sum, MIN(s.value) AS min, MAX(s.value) AS max, MAX(s.ts) AS last_ts
        FROM (SELECT DISTINCT host_id, ts FROM rollup_take t WHERE ts < :horizon
          AND NOT EXISTS (SELECT 1 FROM batches o
            WHERE o.host_id = t.host_id AND o.ts = t.ts AND o.id < t.id
              AND o.kind = 'metrics')) b
        ${w.join} series r ON r.host_id = b.host_id
        ${w.join} samples s ON s.series_id = r.id AND s.ts = b.ts
        GROUP BY s.series_id, s.ts - s.ts % ${tier.ms}) a
      ${w.join} samples x ON x.series_id = a.series_id AND x.ts = a.last_ts
      WHERE true ${upsert(d, tier, false)}`,
    /** Marks the taken batches done. */
    markTaken: `UPDATE batches SET rolled_up = ${w.yes} WHERE id IN (SELECT id FROM rollup_take)`,
    /**
     * Picks up to :limit dirty buckets of a tier that are due: closed before
     * :closed, or dirty since before :stale (now less the tier's refresh).
     */
    due: (tier: RollupTier, host: boolean) =>
      `INSERT INTO rollup_due (host_id, bucket, since)
      SELECT host_id, bucket, since FROM rollup_dirty WHERE tier = '${tier.name}'
        AND (:force OR bucket + ${tier.ms} <= :closed OR since <= :stale)
        ${host ? "AND host_id = :host" : ""}
      LIMIT :limit`,
    /** Recomputes the due buckets of a tier from the tier below (raw samples for 1 min). */
    recompute: (tier: RollupTier) => {
      const from = below(tier);
      const inner = from
        ? `SELECT r.id AS series_id, d.bucket, SUM(x.n) AS n, SUM(x.sum) AS sum,
            MIN(x.min) AS min, MAX(x.max) AS max, MAX(x.last_ts) AS last_ts
          FROM rollup_due d ${w.join} series r ON r.host_id = d.host_id
          ${w.join} ${from.table} x ON x.series_id = r.id
            AND x.bucket >= d.bucket AND x.bucket < d.bucket + ${tier.ms}
          GROUP BY ${GROUP_IN_LOOP_ORDER}`
        : `SELECT r.id AS series_id, d.bucket, COUNT(*) AS n, SUM(s.value) AS sum,
            MIN(s.value) AS min, MAX(s.value) AS max, MAX(s.ts) AS last_ts
          FROM rollup_due d ${w.join} series r ON r.host_id = d.host_id
          ${w.join} samples s ON s.series_id = r.id AND s.ts >= d.bucket AND s.ts < d.bucket + 60000
          GROUP BY ${GROUP_IN_LOOP_ORDER}`;
      // The last value is the one at last_ts: found by key in the source.
      const last = from
        ? `${w.join} ${from.table} y ON y.series_id = a.series_id
            AND y.bucket = a.last_ts - a.last_ts % ${from.ms}`
        : `${w.join} samples y ON y.series_id = a.series_id AND y.ts = a.last_ts`;
      return `INSERT INTO ${tier.table} (series_id, bucket, n, sum, min, max, last, last_ts)
        SELECT a.series_id, a.bucket, a.n, a.sum, a.min, a.max, y.${
        from ? "last" : "value"
      }, a.last_ts
        FROM (${inner}) a ${last}
        WHERE true ${upsert(d, tier, true)}`;
    },
    /** Forgets the recomputed buckets… */
    clean: (tier: RollupTier) =>
      `DELETE FROM rollup_dirty WHERE tier = '${tier.name}'
        AND EXISTS (SELECT 1 FROM rollup_due d
          WHERE d.host_id = rollup_dirty.host_id AND d.bucket = rollup_dirty.bucket)`,
    /**
     * …and marks the buckets of the tier above that hold them, dirty since
     * the change first came in: each tier lags by its own refresh at most,
     * not by the sum of the refreshes below it.
     */
    cascade: (tier: RollupTier) => {
      const up = ROLLUPS[ROLLUPS.indexOf(tier) + 1];
      return up
        ? `INSERT INTO rollup_dirty (tier, host_id, bucket, since)
          SELECT '${up.name}', host_id, bucket - bucket % ${up.ms}, MIN(since) FROM rollup_due
          GROUP BY host_id, bucket - bucket % ${up.ms}
          ON CONFLICT (tier, host_id, bucket)
          DO UPDATE SET since = ${w.least}(rollup_dirty.since, excluded.since)`
        : null;
    },
  };
}

/** One run's options; see HistoryStore.rollUp. */
export interface RollupRun {
  now: number;
  horizon: number;
  force?: boolean;
  limit?: number;
  /** Only this host's batches and buckets. */
  hostId?: string;
  /** The rollup lease's holder this run is for (see HistoryStore.rollUp). */
  holder?: string;
}

/**
 * Past this magnitude a stored value is one no metric can have (the largest
 * any allows is 2^64 bytes, lib/metrics.ts); past {@link IMPOSSIBLE_SUM} a
 * rollup's sum is one no such values add up to.
 */
export const IMPOSSIBLE_VALUE = 2 ** 65;
/** How a series is named in reports: `metric`, or `metric{label}`. */
export const seriesName = (metric: string, label: string) => label ? `${metric}{${label}}` : metric;
export const IMPOSSIBLE_SUM = 1e300;

/**
 * What sets a host's impossible data aside when a run cannot fold it (data
 * stored before ingest checked ranges): the series that hold it, then per
 * tier marking the buckets it spoiled dirty and dropping them, then dropping
 * the raw samples themselves, so the buckets are recomputed from what is left.
 */
export function impossibleSql(d: Dialect) {
  const bad = (a: string) =>
    `(${a}.sum > ${IMPOSSIBLE_SUM} OR ${a}.sum < -${IMPOSSIBLE_SUM} OR ${a}.max > ${IMPOSSIBLE_VALUE}
      OR ${a}.min < -${IMPOSSIBLE_VALUE} OR ${a}.sum IS NULL)`;
  const badSample = `(s.value > ${IMPOSSIBLE_VALUE} OR s.value < -${IMPOSSIBLE_VALUE})`;
  return {
    /** Hosts with batches or buckets waiting. */
    pendingHosts: `SELECT host_id FROM batches WHERE rolled_up = ${words(d).no}
      UNION SELECT host_id FROM rollup_dirty`,
    series: `SELECT DISTINCT r.metric, r.label FROM series r
      ${words(d).join} samples s ON s.series_id = r.id
      WHERE r.host_id = :host AND ${badSample}
      UNION SELECT DISTINCT r.metric, r.label FROM series r
      ${words(d).join} rollup_1m x ON x.series_id = r.id WHERE r.host_id = :host AND ${bad("x")}`,
    markSpoiled: (tier: RollupTier) =>
      `INSERT INTO rollup_dirty (tier, host_id, bucket, since)
      SELECT DISTINCT '${tier.name}', r.host_id, x.bucket, CAST(:now AS BIGINT)
      FROM series r ${words(d).join} ${tier.table} x ON x.series_id = r.id
      WHERE r.host_id = :host AND ${bad("x")}
      ON CONFLICT (tier, host_id, bucket) DO NOTHING`,
    dropSpoiled: (tier: RollupTier) =>
      `DELETE FROM ${tier.table} WHERE series_id IN (SELECT id FROM series WHERE host_id = :host)
        AND ${bad(tier.table)}`,
    /** The 1 min buckets of the impossible samples, recomputed without them. */
    markSamples: `INSERT INTO rollup_dirty (tier, host_id, bucket, since)
      SELECT DISTINCT '1m', r.host_id, s.ts - s.ts % 60000, CAST(:now AS BIGINT)
      FROM series r ${words(d).join} samples s ON s.series_id = r.id
      WHERE r.host_id = :host AND ${badSample}
      ON CONFLICT (tier, host_id, bucket) DO NOTHING`,
    dropSamples:
      `DELETE FROM samples AS s WHERE s.series_id IN (SELECT id FROM series WHERE host_id = :host)
      AND ${badSample}`,
    /** Last resort: the host's waiting batches and buckets are left out of the rollups. */
    setAside: [
      `UPDATE batches SET rolled_up = ${words(d).yes} WHERE host_id = :host AND rolled_up = ${
        words(d).no
      }`,
      `DELETE FROM rollup_dirty WHERE host_id = :host`,
    ],
  };
}

/**
 * Batches (and buckets per tier) one run takes at most by default: small
 * enough that the write lock SQLite takes for it is held for tens of
 * milliseconds, so ingest hardly waits (2,000 made batch acks wait 300 ms).
 */
export const ROLLUP_LIMIT = 250;

/**
 * One run as a plan (sql.ts), so the synchronous (SQLite) and asynchronous
 * (PostgreSQL) drivers share it. Returns the run's counts.
 */
export function* rollupRun(d: Dialect, o: RollupRun): Plan<{ batches: number; buckets: number }> {
  const sql = rollupSql(d);
  const limit = o.limit ?? ROLLUP_LIMIT;
  const host = o.hostId !== undefined;
  const p = { now: o.now, horizon: o.horizon, limit, ...(host ? { host: o.hostId! } : {}) };
  const batches = yield* count(sql.take(host), p);
  // PostgreSQL plans the joins from the scratch tables better knowing their
  // size (SQLite is told the order by CROSS JOIN instead).
  const analyze = d === "postgres";
  if (batches > 0) {
    if (analyze) yield* ddl("ANALYZE rollup_take");
    yield* count(sql.markDirty, p);
    for (const tier of ROLLUPS) yield* count(sql.addLate(tier), p);
    yield* count(sql.markTaken, p);
  }
  let buckets = 0;
  for (const tier of ROLLUPS) {
    yield* count("DELETE FROM rollup_due");
    const due = yield* count(sql.due(tier, host), {
      force: o.force ?? false,
      closed: o.now - CLOSE_GRACE_MS,
      stale: o.now - tier.refreshMs,
      limit,
      ...(host ? { host: o.hostId! } : {}),
    });
    if (due === 0) continue;
    if (analyze) yield* ddl("ANALYZE rollup_due");
    buckets = Math.max(buckets, due);
    yield* count(sql.recompute(tier));
    yield* count(sql.clean(tier));
    const up = sql.cascade(tier);
    if (up) yield* count(up);
  }
  return { batches, buckets };
}
