/** GET /api/v1/hosts/:id: one host and its latest snapshot. */
import type { Context } from "hono";
import type { AppDeps } from "../../../../../hub/http/deps.ts";
import { HttpError } from "../../../../../hub/http/errors.ts";

/** Shows one host with `latest` (null before its first batch). */
export function getHost({ store, status }: AppDeps) {
  return async (c: Context) => {
    const id = c.req.param("id")!;
    const host = await store.hosts.get(id);
    if (!host) throw new HttpError(404, "not_found", `No such host: ${id.slice(0, 64)}`);
    const latest = await store.metrics.latest(id);
    return c.json({ ...status.apply(host), latest: latest?.data ?? null });
  };
}
