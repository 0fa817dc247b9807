/** GET /api/v1/containers?name=&state=: the fleet's containers, each with its host. */
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
    const rows = await store.containers.fleet(containerFilter(c.req.query()));
    return c.json(rows.map((r) => ({ ...containerView(r), host: r.host })));
  };
}
