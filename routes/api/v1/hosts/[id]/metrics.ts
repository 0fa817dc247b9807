/**
 * GET /api/v1/hosts/:id/metrics?metric=…&label=…&from=ISO&to=ISO: one series
 * over a range, read from the tier that gives about 300–1,000 buckets (raw
 * samples for a few hours, rollups beyond), with null where the host sent
 * nothing, min and max per bucket, and whether each bucket is complete.
 */
import { effectiveIntervalsS } from "../../../../../hub/control/desired.ts";
import type { Context } from "hono";
import type { AppDeps } from "../../../../../hub/http/deps.ts";
import { HttpError } from "../../../../../hub/http/errors.ts";
import {
  alignedPlan,
  describeRange,
  parseRangeQuery,
  readRange,
  toColumns,
} from "../../../../../hub/http/range.ts";
import { DEFAULT_RETENTION } from "../../../../../hub/store/tiers.ts";

/** Answers one series over a range. */
export function getMetrics({ store, retention = DEFAULT_RETENTION }: AppDeps) {
  return async (c: Context) => {
    const id = c.req.param("id")!;
    const now = Date.now();
    const q = parseRangeQuery(c.req.query(), now);
    const host = await store.hosts.get(id);
    if (!host) throw new HttpError(404, "not_found", `No such host: ${id.slice(0, 64)}`);
    const intervalMs = (await effectiveIntervalsS(store, [host])).get(id)! * 1000;
    const plan = alignedPlan(q, intervalMs, retention, now);
    const rows = await readRange(store, [id], q, plan);
    return c.json({
      host_id: id,
      ...describeRange(q, plan),
      labels: await store.metrics.seriesLabels(id, q.metric),
      ...toColumns(rows, plan, q.to, intervalMs, now),
    });
  };
}
