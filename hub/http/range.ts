/**
 * What the host and fleet metrics endpoints share: the query they accept,
 * the tier plan, and turning stored buckets into the answer's columns, with
 * null for every bucket the host sent nothing in (never interpolated).
 *
 * A rollup tier lags what has arrived: the history worker recomputes an open
 * bucket only every so often (the tier's refresh) and a closed one a little
 * after it closes. So the newest buckets of a rollup answer are computed from
 * the raw samples instead, and a chart reaches now even on a host that sent
 * its first batch a minute ago.
 */
import { z } from "zod";
import { HttpError } from "./errors.ts";
import { metric, METRIC_NAMES } from "../../lib/metrics.ts";
import type { RangeRow, Store } from "../store/store.ts";
import {
  CLOSE_GRACE_MS,
  isComplete,
  planRange,
  type RangePlan,
  retainedSince,
  type Retention,
  ROLLUPS,
} from "../store/tiers.ts";

/** The longest range one call may ask for: ten years. */
const MAX_RANGE_MS = 3660 * 86_400_000;
const DEFAULT_RANGE_MS = 3_600_000;

const Query = z.object({
  metric: z.string().refine(
    (m) => metric(m) !== undefined,
    `metric must be one of ${METRIC_NAMES.join(", ")}`,
  ),
  label: z.string().max(256).default(""),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

/** A checked range query: one series over [from, to). */
export interface RangeParams {
  metric: string;
  label: string;
  from: number;
  to: number;
}

/** Reads metric, label, from and to (ISO; default: the last hour); throws a 400 on bad input. */
export function parseRangeQuery(query: Record<string, string>, now = Date.now()): RangeParams {
  const parsed = Query.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, "invalid_query", `Invalid ${issue.path.join(".")}: ${issue.message}`);
  }
  const q = parsed.data;
  const to = q.to ? Date.parse(q.to) : now;
  const from = q.from ? Date.parse(q.from) : to - DEFAULT_RANGE_MS;
  if (from >= to) {
    throw new HttpError(400, "invalid_query", "Invalid range: from must be before to");
  }
  if (to - from > MAX_RANGE_MS) {
    throw new HttpError(400, "invalid_query", "Invalid range: at most ten years");
  }
  return { metric: q.metric, label: q.label, from, to };
}

/**
 * A plan with its first bucket (the range start rounded down to the step)
 * and the first bucket read from raw samples rather than the plan's tier
 * (null: none).
 */
export interface AlignedPlan extends RangePlan {
  start: number;
  rawFrom: number | null;
}

/**
 * How long after a sample arrives its rollup bucket may still not show it:
 * beyond the tier's refresh and the grace a closed bucket waits for
 * stragglers, time for the rollup job's own pace (it runs every 5 s, longer
 * when it works off a backlog such as a fleet's WAL replay). Reading a few
 * minutes more from raw samples costs little: a 1 min bucket is 12 samples
 * of a 5 s agent.
 */
const ROLLUP_PACE_MS = 5 * 60_000;

/** Plans a range read (see {@link planRange}) and aligns its start. */
export function alignedPlan(
  p: RangeParams,
  intervalMs: number,
  retention: Retention,
  now: number,
  maxPoints?: number,
): AlignedPlan {
  const plan = planRange(p.from, p.to, intervalMs, retention, now, maxPoints);
  const start = p.from - (p.from % plan.stepMs);
  return { ...plan, start, rawFrom: rawFrom(plan, start, p.to, retention, now) };
}

/**
 * The first bucket of a rollup plan its tier may still lag on: the one that
 * holds the oldest moment the tier may not show yet, never one that starts
 * before the raw samples kept (a bucket must be whole to be read from them).
 */
function rawFrom(
  plan: RangePlan,
  start: number,
  to: number,
  retention: Retention,
  now: number,
): number | null {
  const tier = ROLLUPS.find((t) => t.name === plan.tier);
  if (!tier) return null;
  const lagging = now - tier.refreshMs - CLOSE_GRACE_MS - ROLLUP_PACE_MS;
  const kept = retainedSince(retention, "raw", now);
  const bucketOf = (t: number) => t - (((t - start) % plan.stepMs) + plan.stepMs) % plan.stepMs;
  let first = Math.max(start, bucketOf(lagging));
  if (first < kept) first = bucketOf(kept) + plan.stepMs;
  return first < to ? first : null;
}

/** One series' buckets as columns; index i of each is bucket i. */
export interface SeriesColumns {
  points: Array<[number, number | null]>;
  min: Array<number | null>;
  max: Array<number | null>;
  complete: boolean[];
}

/** Lays one host's rows (ordered by t) out over every bucket of the plan. */
export function toColumns(
  rows: RangeRow[],
  plan: AlignedPlan,
  to: number,
  intervalMs: number,
  now: number,
): SeriesColumns {
  const out: SeriesColumns = { points: [], min: [], max: [], complete: [] };
  let i = 0;
  for (let t = plan.start; t < to; t += plan.stepMs) {
    while (i < rows.length && rows[i].t < t) i++;
    const r = rows[i]?.t === t ? rows[i] : null;
    out.points.push([t, r ? r.avg : null]);
    out.min.push(r ? r.min : null);
    out.max.push(r ? r.max : null);
    out.complete.push(r ? isComplete(t, plan.stepMs, r.n, intervalMs, now) : false);
  }
  return out;
}

/**
 * Reads the plan's buckets of the query's series for `hostIds`, the newest
 * from raw samples where the plan says so; each host's rows are ordered by t.
 */
export async function readRange(
  store: Store,
  hostIds: string[],
  q: RangeParams,
  plan: AlignedPlan,
): Promise<RangeRow[]> {
  const read = (tier: RangePlan["tier"], from: number, to: number) =>
    store.queryRange({
      hostIds,
      metric: q.metric,
      label: q.label,
      tier,
      from,
      to,
      stepMs: plan.stepMs,
    });
  if (plan.rawFrom === null) return read(plan.tier, plan.start, q.to);
  const [rolled, recent] = await Promise.all([
    plan.rawFrom > plan.start ? read(plan.tier, plan.start, plan.rawFrom) : [],
    read("raw", plan.rawFrom, q.to),
  ]);
  return [...rolled, ...recent];
}

/** What every range answer starts with: the series, the range, the tier and the step. */
export function describeRange(q: RangeParams, plan: AlignedPlan) {
  return {
    metric: q.metric,
    label: q.label,
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    tier: plan.tier,
    step_s: plan.stepMs / 1000,
  };
}
