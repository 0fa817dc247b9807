/**
 * GET /api/v1/containers?name=&state=&limit=: the fleet's containers, each
 * with its host, the first `limit` by name (1000; at most 5000). A list cut
 * there says so in the `Sightline-Truncated` header, as the package search
 * does, and `Sightline-Total` says how many match in all.
 */
import type { Context } from "hono";
import type { AppDeps } from "../../../hub/http/deps.ts";
import { HttpError } from "../../../hub/http/errors.ts";
import { CONTAINER_STATES, containerView } from "../../../lib/containers.ts";

const MAX_QUERY = 128;

/** The filter of a fleet-wide list, checked: a 400 names what is wrong. */
export function containerFilter(q: Record<string, string>): { query: string; state: string } {
  const query = (q.name ?? "").trim();
  const state = q.state ?? "";
  if (query.length > MAX_QUERY) {
    throw new HttpError(400, "invalid_query", `name must be at most ${MAX_QUERY} characters`);
  }
  if (state && !(CONTAINER_STATES as readonly string[]).includes(state)) {
    throw new HttpError(
      400,
      "invalid_query",
      `state must be one of ${CONTAINER_STATES.join(", ")}`,
    );
  }
  return { query, state };
}

/** Lists containers across the fleet; `name` matches part of a name or image. */
export function listContainers({ store }: AppDeps) {
  return async (c: Context) => {
    const q = c.req.query();
    // The API's own: the page lists the first 1,000 and says when there are more.
    const limit = q.limit === undefined ? 1000 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000) {
      throw new HttpError(400, "invalid_query", "limit must be a whole number from 1 to 5000");
    }
    const { containers, total } = await store.containers.fleet({ ...containerFilter(q), limit });
    if (total > containers.length) c.header("Sightline-Truncated", "true");
    c.header("Sightline-Total", String(total));
    return c.json(containers.map((r) => ({ ...containerView(r), host: r.host })));
  };
}
