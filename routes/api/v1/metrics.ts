/**
 * GET /api/v1/metrics?metric=…&label=…&from=ISO&to=ISO[&host=ID…][&tag=T]:
 * one series of many hosts over a range in one call (every host when none is
 * named), each laid out as the host endpoint lays out one. The more hosts,
 * the fewer buckets each, so an answer stays under about 250,000 points.
 */
import { effectiveIntervalsS } from "../../../hub/control/desired.ts";
import type { Context } from "hono";
import type { AppDeps } from "../../../hub/http/deps.ts";
import { HttpError } from "../../../hub/http/errors.ts";
import {
  alignedPlan,
  describeRange,
  parseRangeQuery,
  readRange,
  toColumns,
} from "../../../hub/http/range.ts";
import type { RangeRow } from "../../../hub/store/metrics/types.ts";
import { DEFAULT_RETENTION, MAX_POINTS } from "../../../hub/store/tiers.ts";

/** Hosts one call may read. */
const MAX_HOSTS = 5000;
/** Points in one answer, all hosts together, at most about. */
const POINT_BUDGET = 250_000;

/** Answers one series for many hosts. */
export function getFleetMetrics({ store, retention = DEFAULT_RETENTION }: AppDeps) {
  return async (c: Context) => {
    const now = Date.now();
    const q = parseRangeQuery(c.req.query(), now);
    const ids = c.req.queries("host") ?? [];
    const tag = c.req.query("tag");
    if (ids.length > MAX_HOSTS || ids.some((id) => id.length > 64)) {
      throw new HttpError(400, "invalid_query", `Invalid host: at most ${MAX_HOSTS} host ids`);
    }
    const wanted = new Set(ids);
    const hosts = (await store.hosts.list()).filter((h) =>
      (wanted.size === 0 || wanted.has(h.id)) && (tag === undefined || h.tags.includes(tag))
    );
    if (hosts.length > MAX_HOSTS) {
      throw new HttpError(
        400,
        "invalid_query",
        `Too many hosts (${hosts.length}): name at most ${MAX_HOSTS} with host= or tag=`,
      );
    }
    const intervals = new Map(
      [...await effectiveIntervalsS(store, hosts)].map(([id, s]) => [id, s * 1000] as const),
    );
    const intervalMs = Math.min(30_000, ...intervals.values());
    const maxPoints = Math.max(
      50,
      Math.min(MAX_POINTS, Math.floor(POINT_BUDGET / Math.max(hosts.length, 1))),
    );
    const plan = alignedPlan(q, intervalMs, retention, now, maxPoints);
    const rows = hosts.length === 0 ? [] : await readRange(store, hosts.map((h) => h.id), q, plan);
    const byHost = new Map<string, RangeRow[]>();
    for (const r of rows) {
      let list = byHost.get(r.hostId);
      if (!list) byHost.set(r.hostId, list = []);
      list.push(r);
    }
    return c.json({
      ...describeRange(q, plan),
      hosts: hosts.map((h) => ({
        id: h.id,
        name: h.name,
        ...toColumns(byHost.get(h.id) ?? [], plan, q.to, intervals.get(h.id)!, now),
      })),
    });
  };
}
