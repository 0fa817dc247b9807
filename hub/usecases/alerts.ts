/**
 * What a person does to alerting: rules (add, change, remove), alerts
 * (acknowledge), silences (add, end) and maintenance windows (add, remove);
 * notification channels are channels.ts's. Each checks its input (a refusal
 * names the field and changes nothing), makes the change with its audit
 * entry in one transaction, then tells the alert engine of this hub and,
 * through it, the cluster's (`alerts.changed`).
 */
import { type AlertRule, checkRule } from "../../lib/alerts/rules.ts";
import { type AlertView, alertView } from "../../lib/alerts/view.ts";
import { checkTags } from "../../lib/tags.ts";
import type { Store } from "../store/store.ts";
import type { Alert, MaintenanceWindow, Silence } from "../store/alerts/types.ts";
import { knownTimeZone } from "../alerts/mutes.ts";
import { type Actor, actorName, auditEntry } from "./actor.ts";
import { UseCaseError } from "./errors.ts";

export interface AlertDeps {
  store: Pick<Store, "alerts" | "notifications" | "hosts">;
  /** The alert engine (hub/http/deps.ts AlertSignals). */
  /** Rules or mutes changed (no argument), or the alerts of a host (null: those on no host). */
  alerts?: { changed(hostId?: string | null): void };
  live?: {
    alert(
      event: "alert.acknowledged" | "alert.resolved" | "alert.cancelled",
      data: AlertView,
    ): void;
  };
}

export const refuse = (field: string, message: string) =>
  new UseCaseError("invalid_alert", message, { field });

export function objectOf(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw refuse(what, `The ${what} must be a JSON object`);
  }
  return raw as Record<string, unknown>;
}

/** Every host id `ids` names must be a host. */
async function hostsExist(store: AlertDeps["store"], ids: string[], field: string) {
  if (!ids.length) return;
  const known = new Set((await store.hosts.list()).map((h) => h.id));
  const unknown = ids.find((id) => !known.has(id));
  if (unknown !== undefined) throw refuse(field, `${field} names no host ${unknown.slice(0, 64)}`);
}

async function checked(deps: AlertDeps, raw: unknown): Promise<Omit<AlertRule, "id">> {
  const check = checkRule(raw);
  if (!check.ok) throw refuse(check.error.field, check.error.problem);
  const r = check.rule;
  if ("hosts" in r.scope) await hostsExist(deps.store, r.scope.hosts, "scope.hosts");
  await hostsExist(deps.store, r.exclude, "exclude");
  await hostsExist(deps.store, Object.keys(r.overrides), "overrides");
  if (r.channels?.length) {
    const known = new Set((await deps.store.notifications.channels()).map((c) => c.id));
    const unknown = r.channels.find((id) => !known.has(id));
    if (unknown !== undefined) throw refuse("channels", `No such channel: ${unknown.slice(0, 64)}`);
  }
  return r;
}

export async function createRule(deps: AlertDeps, actor: Actor, raw: unknown): Promise<AlertRule> {
  const rule: AlertRule = { ...await checked(deps, raw), id: crypto.randomUUID() };
  const now = Date.now();
  await deps.store.alerts.createRule(
    rule,
    now,
    auditEntry(actor, "alert_rule.create", { name: rule.name, id: rule.id }, "", now),
  );
  deps.alerts?.changed();
  return rule;
}

/** Changes the fields given (PATCH); the rule as a whole is checked again. */
export async function updateRule(
  deps: AlertDeps,
  actor: Actor,
  id: string,
  raw: unknown,
): Promise<AlertRule> {
  const patch = objectOf(raw, "rule");
  const current = await deps.store.alerts.rule(id);
  if (!current) throw new UseCaseError("not_found", `No such rule: ${id.slice(0, 64)}`);
  const { id: _id, ...was } = current;
  // A field set to null in a PATCH goes back to its default.
  const merged: Record<string, unknown> = { ...was, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === null) delete merged[k];
  if (patch.kind !== undefined && patch.kind !== current.kind) {
    for (const k of ["metric", "op", "threshold", "recover", "critical", "labels"]) {
      if (!(k in patch)) delete merged[k];
    }
  }
  const rule: AlertRule = { ...await checked(deps, merged), id };
  const now = Date.now();
  const changed = Object.keys(patch).sort().join(", ");
  const closed = await deps.store.alerts.updateRule(
    rule,
    now,
    auditEntry(actor, "alert_rule.update", { name: rule.name, id }, changed, now),
  );
  if (!closed) throw new UseCaseError("not_found", `No such rule: ${id.slice(0, 64)}`);
  deps.alerts?.changed();
  tellClosed(deps, closed);
  return rule;
}

export async function deleteRule(deps: AlertDeps, actor: Actor, id: string): Promise<void> {
  const rule = await deps.store.alerts.rule(id);
  const now = Date.now();
  const gone = rule && await deps.store.alerts.deleteRule(
    id,
    now,
    auditEntry(actor, "alert_rule.delete", { name: rule.name, id }, "", now),
  );
  if (!gone) throw new UseCaseError("not_found", `No such rule: ${id.slice(0, 64)}`);
  deps.alerts?.changed();
  tellClosed(deps, gone);
}

/**
 * Tells the dashboards of the alerts a rule's change closed: no engine made
 * those transitions, so none would, and a page would go on showing them.
 */
function tellClosed(deps: AlertDeps, closed: Alert[]): void {
  for (const a of closed) {
    deps.live?.alert(a.state === "pending" ? "alert.cancelled" : "alert.resolved", alertView(a));
  }
}

/** Acknowledges a firing alert: no more reminders; who and when are kept. */
export async function acknowledge(deps: AlertDeps, actor: Actor, id: number): Promise<AlertView> {
  const now = Date.now();
  const before = await deps.store.alerts.alert(id);
  if (!before) throw new UseCaseError("not_found", `No such alert: ${id}`);
  const done = await deps.store.alerts.acknowledge(
    id,
    actorName(actor),
    now,
    auditEntry(actor, "alert.acknowledge", { name: before.rule_name, id: String(id) }, "", now),
  );
  if (!done) {
    throw new UseCaseError(
      "conflict",
      before.state !== "firing"
        ? `Alert ${id} is not firing`
        : `Alert ${id} was acknowledged by ${before.acknowledged_by}`,
    );
  }
  deps.alerts?.changed(done.host_id);
  const view = alertView(done);
  deps.live?.alert("alert.acknowledged", view);
  return view;
}

const MAX_SILENCE_MS = 366 * 86_400_000;

function optionalId(v: unknown, field: string): string | null {
  if (v === undefined || v === null || v === "") return null;
  if (typeof v !== "string" || v.length > 64) throw refuse(field, `${field} must be an id`);
  return v;
}

export function optionalTag(v: unknown): string | null {
  if (v === undefined || v === null || v === "") return null;
  const check = typeof v === "string" ? checkTags(v) : null;
  if (!check?.ok || check.tags.length !== 1) throw refuse("tag", "tag must be one tag");
  return check.tags[0];
}

export function reasonOf(v: unknown, field = "reason"): string {
  if (typeof v !== "string" || !v.trim()) throw refuse(field, `${field} must be some text`);
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) throw refuse(field, `${field} holds control characters`);
  if (v.trim().length > 200) throw refuse(field, `${field} is longer than 200 characters`);
  return v.trim();
}

/** What a silence or window mutes: a rule, a host, a tag (each given must exist). */
async function matcher(deps: AlertDeps, b: Record<string, unknown>) {
  const m = {
    rule_id: optionalId(b.rule_id, "rule_id"),
    host_id: optionalId(b.host_id, "host_id"),
    tag: optionalTag(b.tag),
  };
  if (m.rule_id && !await deps.store.alerts.rule(m.rule_id)) {
    throw refuse("rule_id", `No such rule: ${m.rule_id}`);
  }
  if (m.host_id) await hostsExist(deps.store, [m.host_id], "host_id");
  return m;
}

/** A silence from now (or `starts_at`) to `ends_at` (ISO) or for `duration_s`. */
export async function createSilence(deps: AlertDeps, actor: Actor, raw: unknown): Promise<Silence> {
  const b = objectOf(raw, "silence");
  const now = Date.now();
  const startsAt = b.starts_at === undefined ? now : Date.parse(String(b.starts_at));
  if (!Number.isFinite(startsAt)) throw refuse("starts_at", "starts_at must be an ISO time");
  let endsAt: number;
  if (b.ends_at !== undefined) {
    endsAt = Date.parse(String(b.ends_at));
    if (!Number.isFinite(endsAt)) throw refuse("ends_at", "ends_at must be an ISO time");
  } else if (
    typeof b.duration_s === "number" && Number.isFinite(b.duration_s) && b.duration_s > 0
  ) {
    endsAt = startsAt + b.duration_s * 1000;
  } else throw refuse("ends_at", "A silence needs ends_at (ISO) or a positive duration_s");
  if (endsAt <= now || endsAt <= startsAt) {
    throw refuse("ends_at", "ends_at must be after the start and in the future");
  }
  if (endsAt - startsAt > MAX_SILENCE_MS) throw refuse("ends_at", "A silence lasts at most a year");
  const s: Silence = {
    id: crypto.randomUUID(),
    ...await matcher(deps, b),
    starts_at: startsAt,
    ends_at: endsAt,
    reason: reasonOf(b.reason),
    created_by: actorName(actor),
    created_at: now,
  };
  await deps.store.alerts.createSilence(
    s,
    auditEntry(actor, "silence.create", { name: s.reason, id: s.id }, describe(s), now),
  );
  deps.alerts?.changed();
  return s;
}

function describe(m: Pick<Silence, "rule_id" | "host_id" | "tag">): string {
  const parts = [
    m.rule_id && `rule ${m.rule_id}`,
    m.host_id && `host ${m.host_id}`,
    m.tag && `tag ${m.tag}`,
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "everything";
}

export async function endSilence(deps: AlertDeps, actor: Actor, id: string): Promise<void> {
  const now = Date.now();
  const s = (await deps.store.alerts.silences()).find((x) => x.id === id);
  const ended = s && await deps.store.alerts.endSilence(
    id,
    now,
    auditEntry(actor, "silence.end", { name: s.reason, id }, "", now),
  );
  if (!ended) throw new UseCaseError("not_found", `No silence ${id.slice(0, 64)} is running`);
  deps.alerts?.changed();
}

/** A weekly window: `{name, time_zone, days: [0-6], start: "HH:MM", duration_min}` and a matcher. */
export async function createWindow(
  deps: AlertDeps,
  actor: Actor,
  raw: unknown,
): Promise<MaintenanceWindow> {
  const b = objectOf(raw, "window");
  const name = reasonOf(b.name, "name");
  if (typeof b.time_zone !== "string" || !knownTimeZone(b.time_zone)) {
    throw refuse("time_zone", "time_zone must be an IANA time zone such as Europe/Berlin");
  }
  const days = b.days;
  if (
    !Array.isArray(days) || !days.length ||
    days.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 0 || d > 6)
  ) throw refuse("days", "days must list weekdays, 0 (Sunday) to 6");
  const m = typeof b.start === "string" ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(b.start) : null;
  if (!m) throw refuse("start", 'start must be a local time "HH:MM"');
  const duration = b.duration_min;
  if (
    typeof duration !== "number" || !Number.isInteger(duration) || duration < 1 ||
    duration > 7 * 1440
  ) throw refuse("duration_min", "duration_min must be whole minutes from 1 to a week");
  const now = Date.now();
  const w: MaintenanceWindow = {
    id: crypto.randomUUID(),
    name,
    ...await matcher(deps, b),
    time_zone: new Intl.DateTimeFormat("en-US", { timeZone: b.time_zone }).resolvedOptions()
      .timeZone,
    days: [...new Set(days as number[])].sort(),
    start_minute: Number(m[1]) * 60 + Number(m[2]),
    duration_min: duration,
    created_by: actorName(actor),
    created_at: now,
  };
  await deps.store.alerts.createWindow(
    w,
    auditEntry(actor, "maintenance.create", { name, id: w.id }, describe(w), now),
  );
  deps.alerts?.changed();
  return w;
}

export async function deleteWindow(deps: AlertDeps, actor: Actor, id: string): Promise<void> {
  const w = (await deps.store.alerts.windows()).find((x) => x.id === id);
  const gone = w && await deps.store.alerts.deleteWindow(
    id,
    auditEntry(actor, "maintenance.delete", { name: w.name, id }),
  );
  if (!gone) throw new UseCaseError("not_found", `No such maintenance window: ${id.slice(0, 64)}`);
  deps.alerts?.changed();
}
