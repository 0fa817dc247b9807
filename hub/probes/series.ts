/**
 * A check's metric series (`check_response_ms`, `check_up`; lib/metrics.ts)
 * over a range, one per agent that ran it: read through the host charts' own
 * path (hub/http/range.ts: the tier the range needs, its newest buckets from
 * raw samples), so a year comes from the rollups.
 */
import type { CheckDef } from "../../lib/probes/check.ts";
import { RANGES, type View } from "../../lib/chart_view.ts";
import {
  alignedPlan,
  describeRange,
  type RangeParams,
  readRange,
  type SeriesColumns,
  toColumns,
} from "../http/range.ts";
import { HttpError } from "../http/errors.ts";
import type { Store } from "../store/store.ts";
import type { Retention } from "../store/tiers.ts";

export const CHECK_METRICS = ["check_response_ms", "check_up"] as const;
export type CheckMetric = typeof CHECK_METRICS[number];

/** The ranges the check page offers (lib/chart_view.ts's keys). */
export const CHECK_RANGES = RANGES.filter((r) => ["24h", "7d", "30d", "1y"].includes(r.key));
const DEFAULT_SECONDS = 86_400;

/** The check page's range: one of {@link CHECK_RANGES}, else the last 24 h. */
export function checkView(view: View): { last: number } {
  return "last" in view && CHECK_RANGES.some((r) => r.seconds === view.last)
    ? { last: view.last }
    : { last: DEFAULT_SECONDS };
}

export interface CheckSeries {
  check_id: string;
  metric: string;
  from: string;
  to: string;
  tier: string;
  step_s: number;
  agents: Array<{ host_id: string } & SeriesColumns>;
}

/**
 * Reads `metric=…&from=ISO&to=ISO` (default: the last 24 h); a 400 names the
 * field it refuses.
 */
export function parseCheckSeriesQuery(
  query: Record<string, string>,
  now: number,
): { metric: CheckMetric; from: number; to: number } {
  const metric = (query.metric ?? "check_response_ms") as CheckMetric;
  if (!CHECK_METRICS.includes(metric)) {
    throw new HttpError(
      400,
      "invalid_query",
      `Invalid metric: must be one of ${CHECK_METRICS.join(", ")}`,
    );
  }
  const time = (k: "from" | "to", dflt: number) => {
    const v = query[k];
    if (v === undefined) return dflt;
    const ms = /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : NaN;
    if (!Number.isFinite(ms)) {
      throw new HttpError(400, "invalid_query", `Invalid ${k}: must be an ISO time`);
    }
    return ms;
  };
  const to = time("to", now);
  const from = time("from", to - DEFAULT_SECONDS * 1000);
  if (from >= to) throw new HttpError(400, "invalid_query", "Invalid from: must be before to");
  if (to - from > 3660 * 86_400_000) {
    throw new HttpError(400, "invalid_query", "Invalid from: at most ten years before to");
  }
  return { metric, from, to };
}

/** One check metric over [from, to), per agent that has the series. */
export async function checkSeries(
  store: Store,
  def: CheckDef,
  metric: CheckMetric,
  from: number,
  to: number,
  retention: Retention,
  now: number,
): Promise<CheckSeries> {
  const q: RangeParams = { metric, label: def.id, from, to };
  // A check's samples come once a round: its interval is the series' own.
  const intervalMs = def.interval_s * 1000;
  const plan = alignedPlan(q, intervalMs, retention, now);
  const hostIds = await store.metrics.seriesHosts(metric, def.id);
  const rows = hostIds.length ? await readRange(store, hostIds, q, plan) : [];
  const { label: _label, ...range } = describeRange(q, plan);
  return {
    check_id: def.id,
    ...range,
    agents: hostIds.map((host_id) => ({
      host_id,
      ...toColumns(rows.filter((r) => r.hostId === host_id), plan, to, intervalMs, now),
    })),
  };
}
