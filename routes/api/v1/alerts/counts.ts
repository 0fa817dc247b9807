/**
 * GET /api/v1/alerts/counts → `{firing, hosts: {id: {warning, critical}}}`:
 * how many alerts fire, in all and on each host. The navigation's count and
 * the fleet's badges read it again when an alert event says it changed.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../../hub/http/deps.ts";
import { firingCounts } from "../../../../lib/alerts/counts.ts";

export function getCounts({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => c.json(firingCounts(await store.alerts.firingCounts()));
}
