/**
 * PUT /api/v1/hosts/:id/interval: sets the host's metrics interval on the
 * hub, `{"interval_s": 15}`, or `{"interval_s": null}` for the agent's own;
 * pushed to the agent as desired state. Admins only; audited.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../../../hub/http/deps.ts";
import { HttpError } from "../../../../../hub/http/errors.ts";
import { requireAdmin } from "../../../../../hub/http/session.ts";
import { INTERVAL_RANGE, setHostInterval } from "../../../../../hub/control/desired.ts";

/** Reads `interval_s` from the JSON body: a whole number of seconds in range, or null. */
async function intervalOf(c: Context): Promise<number | null> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (err) {
    if (err instanceof HttpError) throw err; // the size limit's 413
    throw new HttpError(400, "invalid_body", 'The body must be JSON: {"interval_s": seconds}');
  }
  const v = (body as { interval_s?: unknown } | null)?.interval_s;
  if (v === null) return null;
  const { min, max } = INTERVAL_RANGE;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new HttpError(
      400,
      "invalid_interval",
      `interval_s must be a whole number of seconds from ${min} to ${max}, or null`,
    );
  }
  return v;
}

/** Stores the interval, bumps the host's desired-state version and pushes it. */
export function putInterval({ store, agents }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const id = c.req.param("id")!;
    const seconds = await intervalOf(c);
    if (!(await store.getHost(id))) {
      throw new HttpError(404, "not_found", `No such host: ${id.slice(0, 64)}`);
    }
    const version = await setHostInterval(store, id, seconds);
    await store.audit({
      at: Date.now(),
      actor: c.var.user?.name ?? `apikey:${c.var.apiKey?.name}`,
      action: "host.interval",
      target: id,
      detail: seconds === null ? "agent's own" : `${seconds}s`,
    });
    agents?.desiredChanged(id);
    return c.json({ id, interval_s: seconds, desired_version: version });
  };
}
