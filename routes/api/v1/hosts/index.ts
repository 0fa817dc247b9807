/** GET /api/v1/hosts: every host with its live status. */
import type { Context } from "hono";
import type { AppDeps } from "../../../../hub/http/deps.ts";

/** Lists hosts, status from the heartbeat cache. */
export function listHosts({ store, status }: AppDeps) {
  return async (c: Context) => {
    const hosts = await store.hosts.list();
    return c.json(hosts.map((h) => status.apply(h)));
  };
}
