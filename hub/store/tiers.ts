/**
 * The storage tiers of metric history and how a range query picks one.
 *
 * Raw samples are kept for days; rollups (count, sum, min, max and last per
 * bucket) at 1 min, 10 min, 1 h and 1 d keep months to forever. The history
 * worker's rollup job (history/rollup_sql.ts) keeps them up with what ingest stores,
 * recomputing exactly the buckets a new, late or replayed batch falls in.
 */

/** A rollup tier: bucket width and the table that holds it. */
export interface RollupTier {
  name: "1m" | "10m" | "1h" | "1d";
  ms: number;
  table: string;
  /** How long a changed bucket that is still open may wait to be recomputed. */
  refreshMs: number;
}

/** The table of a rollup tier. */
export function rollupTable(tier: TierName): string {
  const t = ROLLUPS.find((r) => r.name === tier);
  if (!t) throw new RangeError(`No rollup tier ${tier}`);
  return t.table;
}

/** Every tier name, finest first. */
export type TierName = "raw" | RollupTier["name"];

/** The rollup tiers, finest first. */
export const ROLLUPS: readonly RollupTier[] = [
  { name: "1m", ms: 60_000, table: "rollup_1m", refreshMs: 30_000 },
  { name: "10m", ms: 600_000, table: "rollup_10m", refreshMs: 120_000 },
  { name: "1h", ms: 3_600_000, table: "rollup_1h", refreshMs: 300_000 },
  { name: "1d", ms: 86_400_000, table: "rollup_1d", refreshMs: 600_000 },
];

/**
 * Tables keyed by series and time. They have no foreign key to series (a
 * check per row would slow every write), so deleting a host deletes from
 * each of them.
 */
export const TIME_TABLES = ["samples", ...ROLLUPS.map((t) => t.table)];

/** A closed bucket waits this long for stragglers before it is recomputed. */
export const CLOSE_GRACE_MS = 10_000;

/** Days each tier is kept; null keeps it forever. */
export type Retention = Record<TierName, number | null>;

export const DEFAULT_RETENTION: Retention = {
  raw: 7,
  "1m": 30,
  "10m": 180,
  "1h": 730,
  "1d": null,
};

const DAY_MS = 86_400_000;

/** The oldest time each tier still holds at `now` (-Infinity when kept forever). */
export function retainedSince(retention: Retention, tier: TierName, now: number): number {
  const days = retention[tier];
  return days === null ? -Infinity : now - days * DAY_MS;
}

/**
 * Batches older than this are added to every tier directly instead of
 * marking buckets to recompute: some tier below (raw samples for 1 min
 * buckets, 1 min for 10 min …) may no longer hold all of their bucket. A day
 * of margin keeps a recompute away from the edge retention prunes at.
 */
export function rollupHorizon(retention: Retention, now: number): number {
  const days = Math.min(
    ...(["raw", "1m", "10m", "1h"] as const).map((t) => retention[t] ?? Infinity),
  );
  // A bound both databases take as an integer, even when everything is kept forever.
  return days === Infinity ? Number.MIN_SAFE_INTEGER : now - days * DAY_MS + DAY_MS;
}

/** A range answer has at most this many points… */
export const MAX_POINTS = 1000;
/** …and a rollup tier is chosen only if it gives at least 30 % of that (300). */
const MIN_SHARE = 0.3;

/** Bucket multiples that make readable steps (1, 2, 5, 10, 15, 30 … of the tier width). */
const NICE = [1, 2, 3, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 360, 720, 1440];

/** The smallest nice multiple of `unitMs` that is at least `minMs`. */
function niceStep(minMs: number, unitMs: number): number {
  const k = Math.max(1, Math.ceil(minMs / unitMs));
  return (NICE.find((n) => n >= k) ?? k) * unitMs;
}

/** What a range query reads: the tier and the bucket width of the answer. */
export interface RangePlan {
  tier: TierName;
  stepMs: number;
}

/**
 * Picks the tier for [from, to): the coarsest rollup that still gives 30 %
 * of `maxPoints` buckets (300 of 1,000) and holds data back to `from`; raw
 * samples for ranges too short for that (a few hours). The step is the tier
 * width rounded up to a nice multiple so the answer has at most `maxPoints`
 * buckets, and never finer than the agent's interval on raw data (else every
 * other bucket would be empty).
 */
export function planRange(
  from: number,
  to: number,
  intervalMs: number,
  retention: Retention,
  now: number,
  maxPoints = MAX_POINTS,
): RangePlan {
  const span = to - from;
  const covers = (tier: TierName) => retainedSince(retention, tier, now) <= from;
  const enough = [...ROLLUPS].reverse().find((t) => span / t.ms >= maxPoints * MIN_SHARE);
  // Finer tiers than `enough` only if it does not reach back far enough.
  const start = enough ? ROLLUPS.indexOf(enough) : -1;
  if (start === -1 && covers("raw")) {
    const unit = 1000;
    return { tier: "raw", stepMs: Math.max(niceStep(span / maxPoints, unit), intervalMs) };
  }
  const candidates = ROLLUPS.slice(Math.max(start, 0));
  const tier = candidates.find((t) => covers(t.name)) ?? candidates[candidates.length - 1];
  return { tier: tier.name, stepMs: niceStep(span / maxPoints, tier.ms) };
}

/**
 * Whether a bucket of `stepMs` holding `n` samples is complete: it has ended
 * and at most one sample (or 10 % of them, on wide buckets) is missing for a
 * host that sends every `intervalMs`.
 */
export function isComplete(
  bucketStart: number,
  stepMs: number,
  n: number,
  intervalMs: number,
  now: number,
): boolean {
  if (bucketStart + stepMs > now || n === 0) return false;
  const expected = stepMs / intervalMs;
  return n >= Math.min(expected - 1, expected * 0.9);
}
