/**
 * The checks REST API (issue 19's contract): list, one check with its
 * incidents and each agent's uptime, add, change, remove. Everyone signed in
 * (or with an API key) reads; admins change, audited (hub/usecases/checks.ts).
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../../hub/http/deps.ts";
import { HttpError } from "../../../../hub/http/errors.ts";
import { jsonBody } from "../../../../hub/http/body.ts";
import { actorOf, requireAdmin } from "../../../../hub/http/session.ts";
import { agentUptime, checkView } from "../../../../hub/probes/view.ts";
import * as uc from "../../../../hub/usecases/checks.ts";
import { statusPageSettings } from "../../../../hub/probes/status_page.ts";
import { pushAllowed } from "../../../../hub/probes/push.ts";
import { checkRow } from "../../../../hub/probes/rows.ts";
import { checkSeries, parseCheckSeriesQuery } from "../../../../hub/probes/series.ts";
import { DEFAULT_RETENTION } from "../../../../hub/store/tiers.ts";

const DAY_MS = 86_400_000;

/** GET /api/v1/checks */
export function listChecks({ store, probes }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const defs = await store.probes.listChecks();
    return c.json(await Promise.all(defs.map((d) => checkView(store, d, probes?.status(d.id)))));
  };
}

/** GET /api/v1/checks/:id: the check, each agent's uptime, incidents of the last 90 days. */
/**
 * GET /api/v1/checks/:id/row: the check as a row of the Checks page (status,
 * uptime, 30 daily bars, response sparkline, certificate): the page reads it
 * again when the check's status changes, so its bars follow live.
 */
export function getCheckRow({ store, probes }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const def = await store.probes.getCheck(c.req.param("id")!);
    if (!def) throw new HttpError(404, "not_found", "No such check");
    return c.json(await checkRow(store, def, probes?.status(def.id)));
  };
}

/**
 * GET /api/v1/checks/:id/metrics?metric=check_response_ms|check_up&from=ISO&to=ISO
 * (default: the last 24 h): the check's series per agent, from the tier the
 * range needs, as the host metrics endpoint answers one host's.
 */
export function getCheckMetrics({ store, retention = DEFAULT_RETENTION }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const now = Date.now();
    const q = parseCheckSeriesQuery(c.req.query(), now);
    const def = await store.probes.getCheck(c.req.param("id")!);
    if (!def) throw new HttpError(404, "not_found", "No such check");
    return c.json(await checkSeries(store, def, q.metric, q.from, q.to, retention, now));
  };
}

export function getCheck({ store, probes }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const def = await store.probes.getCheck(c.req.param("id")!);
    if (!def) throw new HttpError(404, "not_found", "No such check");
    const now = Date.now();
    const [view, agents, incidents] = await Promise.all([
      checkView(store, def, probes?.status(def.id), now),
      agentUptime(store, def.id, now),
      store.probes.incidents(def.id, now - 90 * DAY_MS, now, 100),
    ]);
    return c.json({
      ...view,
      agents: Object.entries(agents).map(([host_id, uptime]) => ({ host_id, uptime })),
      incidents: incidents.map((i) => ({
        start: new Date(i.started_at).toISOString(),
        end: i.ended_at === null ? null : new Date(i.ended_at).toISOString(),
        cause: i.cause,
      })),
    });
  };
}

/** POST /api/v1/checks */
export function createCheck(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const { push_url, ...def } = await uc.createCheck(deps, actorOf(c), await jsonBody(c));
    const view = await checkView(deps.store, def, undefined);
    return c.json(push_url ? { ...view, push_url } : view, 201);
  };
}

/** PUT (the whole check) or PATCH (the fields given) /api/v1/checks/:id */
export function updateCheck(deps: AppDeps, merge: boolean) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const def = await uc.updateCheck(
      deps,
      actorOf(c),
      c.req.param("id")!,
      await jsonBody(c),
      merge,
    );
    return c.json(await checkView(deps.store, def, deps.probes?.status(def.id)));
  };
}

/** DELETE /api/v1/checks/:id */
export function deleteCheck(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    await uc.deleteCheck(deps, actorOf(c), c.req.param("id")!);
    return c.body(null, 204);
  };
}

/** GET /api/v1/status-page: what the public status page shows (admins and viewers alike). */
export function getStatusPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => c.json(await statusPageSettings(store));
}

/** PUT /api/v1/status-page (admins, audited) */
export function putStatusPage(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    return c.json(await uc.setStatusPage(deps, actorOf(c), await jsonBody(c)));
  };
}

/**
 * GET /push/:id/:secret, called by a push check's cron job (`curl -fsS URL`): no
 * session, the secret in the path is the credential. Anything else than the
 * check's own secret is a 404, saying nothing of whether the check exists.
 */
export function push(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const id = c.req.param("id") ?? "";
    if (!(await pushAllowed(deps.store, id, c.req.param("secret") ?? ""))) {
      throw new HttpError(404, "not_found", "No such push check");
    }
    await deps.probes?.pushed(id);
    c.header("Cache-Control", "no-store");
    return c.json({ ok: true });
  };
}
