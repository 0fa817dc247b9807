/**
 * GET /api/v1/hosts/:id/metrics?metric=…&label=…&from=ISO&to=ISO: one series
 * over a range, averaged into buckets of `step_s`, with null where the host
 * sent nothing.
 */
import type { Context } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../../../../hub/http/deps.ts";
import { HttpError } from "../../../../../hub/http/errors.ts";

/** Points a range is cut into at most. */
const MAX_POINTS = 1000;
const MAX_RANGE_MS = 400 * 86_400_000;

const Query = z.object({
  metric: z.string().regex(
    /^[a-z][a-z0-9_]{0,63}$/,
    "metric must be a metric name like cpu_percent",
  ),
  label: z.string().max(256).default(""),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

/** The bucket width for a range: ≤ MAX_POINTS buckets, never finer than the agent sends. */
export function stepFor(rangeMs: number, intervalS: number): number {
  const s = Math.max(Math.ceil(rangeMs / MAX_POINTS / 1000), Math.ceil(intervalS), 1);
  return s * 1000;
}

/** Answers one series over a range. */
export function getMetrics({ store }: AppDeps) {
  return async (c: Context) => {
    const id = c.req.param("id")!;
    const parsed = Query.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpError(
        400,
        "invalid_query",
        `Invalid ${issue.path.join(".")}: ${issue.message}`,
      );
    }
    const q = parsed.data;
    const to = q.to ? Date.parse(q.to) : Date.now();
    const from = q.from ? Date.parse(q.from) : to - 3_600_000;
    if (from >= to) {
      throw new HttpError(400, "invalid_query", "Invalid range: from must be before to");
    }
    if (to - from > MAX_RANGE_MS) {
      throw new HttpError(400, "invalid_query", "Invalid range: at most 400 days");
    }
    const host = await store.getHost(id);
    if (!host) throw new HttpError(404, "not_found", `No such host: ${id.slice(0, 64)}`);
    const step = stepFor(to - from, host.interval_s);
    const rows = await store.queryRange(id, q.metric, q.label, from, to, step);
    const byBucket = new Map(rows);
    const points: Array<[number, number | null]> = [];
    for (let t = Math.floor(from / step) * step; t < to; t += step) {
      points.push([t, byBucket.get(t) ?? null]);
    }
    return c.json({
      host_id: id,
      metric: q.metric,
      label: q.label,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      step_s: step / 1000,
      tier: "raw",
      labels: await store.seriesLabels(id, q.metric),
      points,
    });
  };
}
