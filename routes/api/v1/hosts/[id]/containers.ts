/** GET /api/v1/hosts/:id/containers: the host's containers as its engine lists them now. */
import type { Context } from "hono";
import type { AppDeps } from "../../../../../hub/http/deps.ts";
import { HttpError } from "../../../../../hub/http/errors.ts";
import { containerView } from "../../../../../lib/containers.ts";

/** Lists one host's containers by name; [] for a host without an engine. */
export function getHostContainers({ store }: AppDeps) {
  return async (c: Context) => {
    const id = c.req.param("id")!;
    const host = await store.hosts.get(id);
    if (!host) throw new HttpError(404, "not_found", `No such host: ${id.slice(0, 64)}`);
    return c.json((await store.containers.list(id)).map(containerView));
  };
}
