/**
 * What an admin does to notification channels: add one (its secrets sealed
 * before they reach the store; a webhook's signing secret made and shown
 * once), change it (a secret left out stays as it was), send it a test,
 * remove it. A channel is never shown with its secrets: each is its last 4
 * characters.
 */
import { SEVERITIES } from "../../lib/alerts/rules.ts";
import { checkTags } from "../../lib/tags.ts";
import type { Store } from "../store/store.ts";
import type {
  Channel,
  ChannelChange,
  ChannelFilters,
  ChannelTemplate,
  ChannelType,
} from "../store/notifications/types.ts";
import { CHANNEL_KINDS, CHANNEL_TYPES, checkConfig, masked } from "../notify/channels.ts";
import type { Sealer } from "../notify/sealed.ts";
import { BLOCK_PRIVATE_KEY, blockPrivateDestinations, type Outbound } from "../notify/outbound.ts";
import { sendTo } from "../notify/delivery.ts";
import { exampleMessage, testMessage } from "../notify/message.ts";
import { checkTemplate, render } from "../notify/template.ts";
import { type Actor, auditEntry } from "./actor.ts";
import { UseCaseError } from "./errors.ts";
import { objectOf, reasonOf, refuse } from "./alerts.ts";

export interface ChannelDeps {
  store: Pick<Store, "notifications" | "alerts" | "audit">;
  sealer: Sealer;
  outbound?: Outbound;
  alerts?: { changed(hostId?: string): void };
  publicUrl?: string | null;
}

/** A channel as the API shows it: settings, each secret as its last 4 characters. */
export async function channelView(deps: Pick<ChannelDeps, "sealer">, c: Channel) {
  const secrets = c.secret ? await deps.sealer.open(c.id, c.secret).catch(() => ({})) : {};
  const config: Record<string, unknown> = { ...c.config };
  for (const [k, v] of Object.entries(secrets as Record<string, string>)) config[k] = masked(v);
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    config,
    ...c.filters,
    template: c.template,
    enabled: c.enabled,
    created_at: new Date(c.created_at).toISOString(),
  };
}

function typeOf(v: unknown): ChannelType {
  if (typeof v !== "string" || !(CHANNEL_TYPES as string[]).includes(v)) {
    throw refuse("type", `type must be one of ${CHANNEL_TYPES.join(", ")}`);
  }
  return v as ChannelType;
}

async function filtersOf(deps: ChannelDeps, b: Record<string, unknown>, was: ChannelFilters = {}) {
  const out: ChannelFilters = { ...was };
  if ("severities" in b) {
    const v = b.severities;
    if (v === null) delete out.severities;
    else if (
      !Array.isArray(v) || !v.length ||
      v.some((x) => !(SEVERITIES as readonly unknown[]).includes(x))
    ) throw refuse("severities", `severities must list ${SEVERITIES.join(" and/or ")}`);
    else out.severities = [...new Set(v)] as ChannelFilters["severities"];
  }
  if ("rules" in b) {
    const v = b.rules;
    if (v === null) delete out.rules;
    else {
      if (!Array.isArray(v) || !v.length || v.some((x) => typeof x !== "string")) {
        throw refuse("rules", "rules must list rule ids");
      }
      const known = new Set((await deps.store.alerts.rules()).map((r) => r.id));
      const bad = (v as string[]).find((id) => !known.has(id));
      if (bad !== undefined) throw refuse("rules", `No such rule: ${bad.slice(0, 64)}`);
      out.rules = [...new Set(v as string[])];
    }
  }
  if ("tags" in b) {
    const v = b.tags;
    if (v === null) delete out.tags;
    else {
      const check = Array.isArray(v) ? checkTags(v.join(",")) : null;
      if (!check?.ok || !check.tags.length) {
        throw refuse("tags", check && !check.ok ? check.problem : "tags must list tags");
      }
      out.tags = check.tags;
    }
  }
  return out;
}

function templateOf(v: unknown): ChannelTemplate | null {
  if (v === null || v === undefined) return null;
  const t = objectOf(v, "template");
  const out: ChannelTemplate = {};
  for (const part of ["title", "body"] as const) {
    const s = t[part];
    if (s === undefined || s === null || s === "") continue;
    if (typeof s !== "string") throw refuse(`template.${part}`, `template.${part} must be text`);
    const problem = checkTemplate(s);
    if (problem) throw refuse(`template.${part}`, problem);
    out[part] = s;
  }
  return out.title || out.body ? out : null;
}

function enabledOf(v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw refuse("enabled", "enabled must be true or false");
  return v;
}

async function nameFree(deps: ChannelDeps, name: string, except?: string) {
  if ((await deps.store.notifications.channels()).some((c) => c.name === name && c.id !== except)) {
    throw new UseCaseError("name_taken", `A channel is already named ${name}`, { field: "name" });
  }
}

/** Adds a channel; the answer carries values made for it (a signing secret), shown this once. */
export async function createChannel(deps: ChannelDeps, actor: Actor, raw: unknown) {
  const b = objectOf(raw, "channel");
  const name = reasonOf(b.name, "name");
  const type = typeOf(b.type);
  const check = checkConfig(type, objectOf(b.config ?? {}, "config"));
  if (!check.ok) throw refuse(check.field, check.problem);
  const filters = await filtersOf(deps, b);
  const template = templateOf(b.template);
  const enabled = enabledOf(b.enabled) ?? true;
  await nameFree(deps, name);
  const now = Date.now();
  const id = crypto.randomUUID();
  const generated = CHANNEL_KINDS[type].generated?.() ?? {};
  const secrets = { ...check.config.secret, ...generated };
  const c: Channel = {
    id,
    name,
    type,
    config: check.config.public,
    secret: Object.keys(secrets).length ? await deps.sealer.seal(id, secrets) : null,
    filters,
    template,
    enabled,
    created_at: now,
    updated_at: now,
  };
  await deps.store.notifications.createChannel(
    c,
    auditEntry(actor, "channel.create", { name, id }, type, now),
  );
  deps.alerts?.changed();
  return { ...await channelView(deps, c), ...generated };
}

/** Changes what is given; a secret setting left out keeps its value. */
export async function updateChannel(deps: ChannelDeps, actor: Actor, id: string, raw: unknown) {
  const b = objectOf(raw, "channel");
  const c = await deps.store.notifications.channel(id);
  if (!c) throw new UseCaseError("not_found", `No such channel: ${id.slice(0, 64)}`);
  if (b.type !== undefined && b.type !== c.type) {
    throw refuse("type", "A channel's type cannot change; add another channel");
  }
  const change: ChannelChange = {};
  if (b.name !== undefined) {
    change.name = reasonOf(b.name, "name");
    await nameFree(deps, change.name, id);
  }
  if (b.config !== undefined) {
    const was = c.secret ? await deps.sealer.open(id, c.secret) : {};
    const given = objectOf(b.config, "config");
    const merged: Record<string, unknown> = { ...c.config, ...given };
    // A secret left out (or shown back masked) stays as it was.
    for (const [k, f] of Object.entries(CHANNEL_KINDS[c.type].fields)) {
      const v = given[k];
      if (f.secret && (v === undefined || (typeof v === "string" && v.startsWith("…")))) {
        merged[k] = was[k];
      }
    }
    const check = checkConfig(c.type, merged);
    if (!check.ok) throw refuse(check.field, check.problem);
    const generated = Object.fromEntries(
      Object.keys(CHANNEL_KINDS[c.type].generated?.() ?? {}).map((k) => [k, was[k]]),
    );
    change.config = check.config.public;
    change.secret = await deps.sealer.seal(id, { ...check.config.secret, ...generated });
  }
  if ("severities" in b || "rules" in b || "tags" in b) {
    change.filters = await filtersOf(deps, b, c.filters);
  }
  if ("template" in b) change.template = templateOf(b.template);
  const enabled = enabledOf(b.enabled);
  if (enabled !== undefined) change.enabled = enabled;
  const now = Date.now();
  const what = Object.keys(b).sort().join(", ");
  const ok = await deps.store.notifications.updateChannel(
    id,
    change,
    now,
    auditEntry(actor, "channel.update", { name: change.name ?? c.name, id }, what, now),
  );
  if (!ok) throw new UseCaseError("not_found", `No such channel: ${id.slice(0, 64)}`);
  deps.alerts?.changed();
  return channelView(deps, (await deps.store.notifications.channel(id))!);
}

export async function deleteChannel(deps: ChannelDeps, actor: Actor, id: string): Promise<void> {
  const c = await deps.store.notifications.channel(id);
  const gone = c && await deps.store.notifications.deleteChannel(
    id,
    auditEntry(actor, "channel.delete", { name: c.name, id }),
  );
  if (!gone) throw new UseCaseError("not_found", `No such channel: ${id.slice(0, 64)}`);
  deps.alerts?.changed();
}

/** Sends a test message now and answers what the service said. */
export async function testChannel(deps: ChannelDeps, actor: Actor, id: string) {
  const c = await deps.store.notifications.channel(id);
  if (!c) throw new UseCaseError("not_found", `No such channel: ${id.slice(0, 64)}`);
  const now = Date.now();
  const sent = await sendTo(c, 0, testMessage(deps.publicUrl ?? null, now), deps);
  await deps.store.audit.record(
    auditEntry(actor, "channel.test", { name: c.name, id }, sent.ok ? "ok" : "failed", now),
  );
  return { ok: sent.ok, status: sent.status, response: sent.detail };
}

/**
 * What a template (`{template: {title, body}}`, not saved) makes of an
 * example alert, checked as a save would check it: a refusal names
 * `template.title` or `template.body` and says where.
 */
export function previewTemplate(deps: Pick<ChannelDeps, "publicUrl">, raw: unknown) {
  const b = objectOf(raw, "preview");
  return render(templateOf(b.template), exampleMessage(deps.publicUrl ?? null, Date.now()));
}

/** The hub's notification settings as the API shows them. */
export async function notificationSettings(store: Pick<Store, "settings">) {
  return { block_private_destinations: await blockPrivateDestinations(store) };
}

/**
 * Sets whether notifications may go to private addresses (loopback, RFC
 * 1918, link-local …): a hub shared between teams forbids them, so no one
 * can point a channel at the hub's own network.
 */
export async function setNotificationSettings(
  deps: { store: Pick<Store, "settings"> },
  actor: Actor,
  raw: unknown,
) {
  const b = objectOf(raw, "settings");
  const v = b.block_private_destinations;
  if (typeof v !== "boolean") {
    throw refuse("block_private_destinations", "block_private_destinations must be true or false");
  }
  await deps.store.settings.set(
    BLOCK_PRIVATE_KEY,
    v ? "1" : null,
    auditEntry(actor, "notifications.settings", { name: "destinations" }, v ? "no private" : "any"),
  );
  return notificationSettings(deps.store);
}
