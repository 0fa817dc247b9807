/**
 * PUT /api/v1/hosts/:id/interval: sets the host's metrics interval on the
 * hub, `{"interval_s": 15}`, or `{"interval_s": null}` for the agent's own;
 * pushed to the agent as desired state. Admins only; audited.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../../../hub/http/deps.ts";
import { HttpError } from "../../../../../hub/http/errors.ts";
import { actorOf, requireAdmin } from "../../../../../hub/http/session.ts";
import { setMetricsInterval } from "../../../../../hub/usecases/hosts.ts";

/** `interval_s` from the JSON body, as given (the use case checks it). */
async function intervalOf(c: Context): Promise<unknown> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (err) {
    if (err instanceof HttpError) throw err; // the size limit's 413
    throw new HttpError(400, "invalid_body", 'The body must be JSON: {"interval_s": seconds}');
  }
  return (body as { interval_s?: unknown } | null)?.interval_s;
}

/** Stores the interval, bumps the host's desired-state version and pushes it. */
export function putInterval(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const id = c.req.param("id")!;
    const set = await setMetricsInterval(deps, actorOf(c), id, await intervalOf(c));
    return c.json({ id, interval_s: set.seconds, desired_version: set.version });
  };
}
