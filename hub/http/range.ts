/**
 * What the host and fleet metrics endpoints share: the query they accept,
 * the tier plan, and turning stored buckets into the answer's columns, with
 * null for every bucket the host sent nothing in (never interpolated).
 */
import { z } from "zod";
import { HttpError } from "./errors.ts";
import { metric, METRIC_NAMES } from "../../lib/metrics.ts";
import type { Store } from "../store/store.ts";
import type { RangeRow } from "../store/metrics/types.ts";
import { isComplete, planRange, type RangePlan, type Retention } from "../store/tiers.ts";

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

/** A plan with its first bucket: the range start rounded down to the step. */
export interface AlignedPlan extends RangePlan {
  start: number;
}

/** Plans a range read (see {@link planRange}) and aligns its start. */
export function alignedPlan(
  p: RangeParams,
  intervalMs: number,
  retention: Retention,
  now: number,
  maxPoints?: number,
): AlignedPlan {
  const plan = planRange(p.from, p.to, intervalMs, retention, now, maxPoints);
  return { ...plan, start: p.from - (p.from % plan.stepMs) };
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

/** Reads the plan's buckets of the query's series for `hostIds`. */
export function readRange(
  store: Store,
  hostIds: string[],
  q: RangeParams,
  plan: AlignedPlan,
): Promise<RangeRow[]> {
  return store.metrics.queryRange({
    hostIds,
    metric: q.metric,
    label: q.label,
    tier: plan.tier,
    from: plan.start,
    to: q.to,
    stepMs: plan.stepMs,
  });
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
