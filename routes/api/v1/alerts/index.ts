/**
 * The alerts REST API: alerts (list, one with its notifications, acknowledge),
 * rules (list, add, change, remove, preview), silences, maintenance windows
 * notification channels and their delivery log. Everyone signed in (or with an API key) reads;
 * admins change, and every change is audited (hub/usecases/alerts.ts).
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../../hub/http/deps.ts";
import { HttpError } from "../../../../hub/http/errors.ts";
import { jsonBody } from "../../../../hub/http/body.ts";
import { actorOf, requireAdmin } from "../../../../hub/http/session.ts";
import { alertView } from "../../../../lib/alerts/view.ts";
import { notificationView } from "../../../../lib/alerts/notification_view.ts";
import { checkRule } from "../../../../lib/alerts/rules.ts";
import type { AlertState } from "../../../../hub/store/alerts/types.ts";
import { preview } from "../../../../hub/alerts/preview.ts";
import { windowOpen } from "../../../../hub/alerts/mutes.ts";
import * as uc from "../../../../hub/usecases/alerts.ts";
import * as ch from "../../../../hub/usecases/channels.ts";
import { declarations } from "../../../../hub/notify/channels.ts";
import { blockPrivateDestinations, OutboundPolicy } from "../../../../hub/notify/outbound.ts";
import { UseCaseError } from "../../../../hub/usecases/errors.ts";

const STATES: AlertState[] = ["pending", "firing", "resolved"];

function idParam(c: Context): number {
  const raw = c.req.param("id") ?? "";
  const id = Number(raw);
  if (!/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(id)) {
    throw new HttpError(404, "not_found", "No such alert");
  }
  return id;
}

/** A page of a list newest first: `limit` (from 1 to `max`) and `before`, an id of `of`. */
function pageOf(
  q: Record<string, string>,
  { limit: fallback, max, of }: { limit: number; max: number; of: string },
): { limit: number; before?: number } {
  const limit = q.limit === undefined ? fallback : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new HttpError(400, "invalid_query", `limit must be from 1 to ${max}`);
  }
  const before = q.before === undefined ? undefined : Number(q.before);
  if (before !== undefined && (!Number.isSafeInteger(before) || before < 1)) {
    throw new HttpError(400, "invalid_query", `before must be ${of} id`);
  }
  return { limit, before };
}

/** GET /api/v1/alerts?state=&host=&rule=&before=&limit= (newest first). */
export function listAlerts({ store, alerts }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const q = c.req.query();
    if (q.state && !STATES.includes(q.state as AlertState)) {
      throw new HttpError(400, "invalid_query", `state must be one of ${STATES.join(", ")}`);
    }
    const { limit, before } = pageOf(q, { limit: 100, max: 1000, of: "an alert" });
    const found = await store.alerts.alerts({
      state: q.state as AlertState | undefined,
      hostId: q.host,
      ruleId: q.rule,
      before,
      limit,
    });
    return c.json(found.map((a) => ({ ...alertView(a), muted: alerts?.muteReason(a) ?? null })));
  };
}

/** GET /api/v1/alerts/:id: the alert, its top processes and every notification of it. */
export function getAlert({ store, alerts }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const a = await store.alerts.alert(idParam(c));
    if (!a) throw new HttpError(404, "not_found", "No such alert");
    const notifications = await store.notifications.forAlert(a.id);
    return c.json({
      ...alertView(a),
      muted: alerts?.muteReason(a) ?? null,
      processes: a.processes,
      notifications: notifications.map(notificationView),
    });
  };
}

/** POST /api/v1/alerts/:id/ack */
export function ackAlert(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    return c.json(await uc.acknowledge(deps, actorOf(c), idParam(c)));
  };
}

export function listRules({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => c.json(await store.alerts.rules());
}

export function createRule(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    return c.json(await uc.createRule(deps, actorOf(c), await jsonBody(c)), 201);
  };
}

export function getRule({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const rule = await store.alerts.rule(c.req.param("id")!);
    if (!rule) throw new HttpError(404, "not_found", "No such rule");
    return c.json(rule);
  };
}

export function updateRule(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    return c.json(await uc.updateRule(deps, actorOf(c), c.req.param("id")!, await jsonBody(c)));
  };
}

export function deleteRule(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    await uc.deleteRule(deps, actorOf(c), c.req.param("id")!);
    return c.body(null, 204);
  };
}

/** POST /api/v1/alert-rules/preview: the rule as given, not saved. */
export function previewRule({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const check = checkRule(await jsonBody(c));
    if (!check.ok) {
      throw new UseCaseError("invalid_alert", check.error.problem, { field: check.error.field });
    }
    return c.json(await preview(store, check.rule));
  };
}

export function listSilences({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const now = Date.now();
    const all = c.req.query("all") !== undefined;
    const list = (await store.alerts.silences()).filter((s) => all || s.ends_at > now);
    return c.json(list.map((s) => ({
      ...s,
      starts_at: new Date(s.starts_at).toISOString(),
      ends_at: new Date(s.ends_at).toISOString(),
      created_at: new Date(s.created_at).toISOString(),
      active: s.starts_at <= now && now < s.ends_at,
    })));
  };
}

export function createSilence(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const s = await uc.createSilence(deps, actorOf(c), await jsonBody(c));
    return c.json({
      ...s,
      starts_at: new Date(s.starts_at).toISOString(),
      ends_at: new Date(s.ends_at).toISOString(),
      created_at: new Date(s.created_at).toISOString(),
    }, 201);
  };
}

export function endSilence(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    await uc.endSilence(deps, actorOf(c), c.req.param("id")!);
    return c.body(null, 204);
  };
}

/** A window as the API and the maintenance page show it: its local start, and whether open now. */
export const windowView = (w: Awaited<ReturnType<typeof uc.createWindow>>, now = Date.now()) => ({
  ...w,
  open_now: windowOpen(w, now),
  start: `${String(Math.floor(w.start_minute / 60)).padStart(2, "0")}:${
    String(w.start_minute % 60).padStart(2, "0")
  }`,
  created_at: new Date(w.created_at).toISOString(),
});

export function listWindows({ store }: AppDeps) {
  return async (c: Context<AppEnv>) =>
    c.json((await store.alerts.windows()).map((w) => windowView(w)));
}

export function createWindow(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    return c.json(windowView(await uc.createWindow(deps, actorOf(c), await jsonBody(c))), 201);
  };
}

export function deleteWindow(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    await uc.deleteWindow(deps, actorOf(c), c.req.param("id")!);
    return c.body(null, 204);
  };
}

/** The channel use cases' deps; a hub always has its sealer (tests pass one). */
export function channelDeps(deps: AppDeps): ch.ChannelDeps {
  if (!deps.sealer) throw new Error("The hub's sealer for channel secrets is not set up");
  const outbound = deps.outbound ?? new OutboundPolicy(() => blockPrivateDestinations(deps.store));
  return { ...deps, sealer: deps.sealer, outbound };
}

export function listChannels(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c); // even masked, where notifications go is an admin's business
    const d = channelDeps(deps);
    const list = await deps.store.notifications.channels();
    return c.json(await Promise.all(list.map((x) => ch.channelView(d, x))));
  };
}

export function getChannel(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const found = await deps.store.notifications.channel(c.req.param("id")!);
    if (!found) throw new HttpError(404, "not_found", "No such channel");
    return c.json(await ch.channelView(channelDeps(deps), found));
  };
}

export function createChannel(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const made = await ch.createChannel(channelDeps(deps), actorOf(c), await jsonBody(c));
    return c.json(made, 201);
  };
}

export function updateChannel(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const id = c.req.param("id")!;
    return c.json(await ch.updateChannel(channelDeps(deps), actorOf(c), id, await jsonBody(c)));
  };
}

export function deleteChannel(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    await ch.deleteChannel(channelDeps(deps), actorOf(c), c.req.param("id")!);
    return c.body(null, 204);
  };
}

/** POST /api/v1/channels/:id/test: sends a test now; `{ok, status, response}` as the service said. */
export function testChannel(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    return c.json(await ch.testChannel(channelDeps(deps), actorOf(c), c.req.param("id")!));
  };
}

/** POST /api/v1/channels/preview-template: `{title, text}` a template makes of an example alert. */
export function previewTemplate(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    return c.json(ch.previewTemplate(deps, await jsonBody(c)));
  };
}

/**
 * GET /api/v1/notifications?channel=&before=&limit= (admins): the delivery
 * log, newest first; the next page is `before` the last id listed.
 */
export function listNotifications({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const q = c.req.query();
    const page = pageOf(q, { limit: 50, max: 500, of: "a notification" });
    const found = await store.notifications.recent({ channelId: q.channel || undefined, ...page });
    return c.json(found.map(notificationView));
  };
}

/** GET /api/v1/channel-types: each type's settings, for a form to draw. */
export function channelTypes() {
  return (c: Context<AppEnv>) => {
    requireAdmin(c);
    return c.json(declarations());
  };
}

export function getNotificationSettings({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    return c.json(await ch.notificationSettings(store));
  };
}

export function putNotificationSettings(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    return c.json(await ch.setNotificationSettings(deps, actorOf(c), await jsonBody(c)));
  };
}
