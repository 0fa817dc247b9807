/**
 * Uptime checks: add, change, remove (admins; each audited in its change's
 * transaction), then the probe engine judges afresh and the assigner pushes
 * the agents what they now run. The one rule for a check is parseCheck.
 */
import { type CheckDef, CheckInputError, parseCheck } from "../../lib/probes/check.ts";
import type { Store } from "../store/store.ts";
import {
  parseStatusPage,
  StatusPageInputError,
  type StatusPageSettings,
} from "../../lib/probes/status_page.ts";
import { STATUS_PAGE_KEY } from "../probes/status_page.ts";
import { forgetPush, newPushSecret } from "../probes/push.ts";
import { shownDef } from "../probes/view.ts";
import { type Actor, auditEntry } from "./actor.ts";
import { UseCaseError } from "./errors.ts";

export interface CheckDeps {
  store: Pick<Store, "probes" | "hosts" | "settings">;
  probes?: { changed(): Promise<void> };
}

async function checked(deps: CheckDeps, id: string, raw: unknown): Promise<CheckDef> {
  let def: CheckDef;
  try {
    def = parseCheck(id, raw);
  } catch (err) {
    if (err instanceof CheckInputError) {
      throw new UseCaseError("invalid_check", err.message, { field: err.field });
    }
    throw err;
  }
  if ("hosts" in def.runs_on) {
    const known = new Set((await deps.store.hosts.list()).map((h) => h.id));
    const unknown = def.runs_on.hosts.find((h) => !known.has(h));
    if (unknown) {
      throw new UseCaseError("invalid_check", `No such host: ${unknown.slice(0, 64)}`, {
        field: "runs_on.hosts",
      });
    }
  }
  return def;
}

/** Adds a check; a push check's URL (its secret) is given here once and never again. */
export async function createCheck(
  deps: CheckDeps,
  actor: Actor,
  raw: unknown,
): Promise<CheckDef & { push_url?: string }> {
  const def = await checked(deps, crypto.randomUUID(), raw);
  // The secret first: a check that failed to be added leaves only an unused hash behind.
  const pushUrl = def.type === "push" ? await newPushSecret(deps.store, def.id) : undefined;
  const now = Date.now();
  await deps.store.probes.createCheck(
    def,
    now,
    auditEntry(actor, "check.create", { name: def.name, id: def.id }, def.type, now),
  );
  await deps.probes?.changed();
  return pushUrl ? { ...def, push_url: pushUrl } : def;
}

/** Replaces a check with the one given whole (a PUT), or with the fields given merged (a PATCH). */
export async function updateCheck(
  deps: CheckDeps,
  actor: Actor,
  id: string,
  raw: unknown,
  merge: boolean,
): Promise<CheckDef> {
  const current = await deps.store.probes.getCheck(id);
  if (!current) throw new UseCaseError("not_found", `No such check: ${id.slice(0, 64)}`);
  const { id: _id, ...was } = current;
  const input = merge && raw && typeof raw === "object" && !Array.isArray(raw)
    ? { ...was, ...raw }
    : raw;
  const def = await checked(deps, id, keptSecrets(current, input));
  carriedSecrets(current, raw, def);
  // A push check's URL secret is made when it is added and forgotten when it goes: a check
  // turned into or out of one is a check removed and another added.
  if ((def.type === "push") !== (current.type === "push")) {
    throw new UseCaseError(
      "invalid_check",
      "A check cannot become or stop being a push check: remove it and add the new one",
      { field: "type" },
    );
  }
  const now = Date.now();
  const done = await deps.store.probes.updateCheck(
    def,
    now,
    auditEntry(actor, "check.update", { name: def.name, id }, "", now),
  );
  if (!done) throw new UseCaseError("not_found", `No such check: ${id.slice(0, 64)}`);
  await deps.probes?.changed();
  return def;
}

/**
 * The input with the secrets it shows back masked, as GET shows them
 * (shownDef), put back: a header whose value is its own mask keeps its
 * stored value, and a target URL whose password is the mask keeps the stored
 * password. So a form or a script that sends back what it read, with another
 * field changed, does not save the mask over the secret.
 */
export function keptSecrets(current: CheckDef, input: unknown): unknown {
  if (!input || typeof input !== "object" || Array.isArray(input)) return input;
  const shown = shownDef(current);
  const out = { ...input } as Record<string, unknown>;
  if (typeof out.target === "string" && shown.target !== current.target) {
    if (out.target === shown.target) out.target = current.target;
    else {
      try {
        const url = new URL(out.target.trim());
        const was = new URL(current.target);
        if (decodeURIComponent(url.password) === "••••") {
          url.password = was.password;
          out.target = url.toString();
        }
      } catch { /* not a URL: parseCheck says what is wrong with it */ }
    }
  }
  const headers = current.expect.headers;
  const expect = out.expect as Record<string, unknown> | undefined;
  if (headers && expect && typeof expect === "object" && !Array.isArray(expect)) {
    const sent = expect.headers as Record<string, unknown> | undefined;
    if (sent && typeof sent === "object" && !Array.isArray(sent)) {
      const masks = shown.expect.headers ?? {};
      const kept = Object.fromEntries(
        Object.entries(sent).map(([k, v]) => [k, k in headers && v === masks[k] ? headers[k] : v]),
      );
      out.expect = { ...expect, headers: kept };
    }
  }
  return out;
}

/** A URL's origin, or null for a target that is no URL (host:port, a name). */
function originOf(target: string): string | null {
  try {
    return new URL(target).origin;
  } catch {
    return null;
  }
}

/**
 * Refuses a change that moves a check to another origin with its stored
 * secrets carried along untyped (left out of a PATCH, or sent back masked):
 * they would go to a server their writer never named, a way for anyone who
 * may edit checks to read them out. Typed again, they go.
 */
function carriedSecrets(current: CheckDef, raw: unknown, next: CheckDef): void {
  if (originOf(next.target) === originOf(current.target)) return;
  const refuse = (field: string) => {
    throw new UseCaseError(
      "invalid_check",
      "The check now goes to another origin: type its secret again (a stored one is kept only for the origin it was given for)",
      { field },
    );
  };
  const input = raw && typeof raw === "object" && !Array.isArray(raw)
    ? raw as Record<string, unknown>
    : {};
  let masked = false;
  try {
    masked = new URL(current.target).password !== "" && typeof input.target === "string" &&
      decodeURIComponent(new URL(input.target.trim()).password) === "••••";
  } catch { /* not URLs */ }
  if (masked) refuse("target");
  const was = current.expect.headers ?? {};
  const shown = shownDef(current).expect.headers ?? {};
  const expect = input.expect as Record<string, unknown> | undefined;
  const sent = expect && typeof expect === "object"
    ? expect.headers as Record<string, unknown> | undefined
    : undefined;
  for (const [k, v] of Object.entries(next.expect.headers ?? {})) {
    if (!(k in was) || was[k] !== v) continue;
    // The stored value: kept because the input left it out, or sent it masked.
    const typed = sent && typeof sent === "object" && typeof sent[k] === "string" &&
      sent[k] !== shown[k];
    if (!typed) refuse(`expect.headers.${k}`);
  }
}

export async function deleteCheck(deps: CheckDeps, actor: Actor, id: string): Promise<void> {
  const current = await deps.store.probes.getCheck(id);
  const done = current && await deps.store.probes.deleteCheck(
    id,
    auditEntry(actor, "check.delete", { name: current.name, id }),
  );
  if (!done) throw new UseCaseError("not_found", `No such check: ${id.slice(0, 64)}`);
  if (current.type === "push") await forgetPush(deps.store, id);
  await deps.probes?.changed();
}

/** Sets what the public status page shows (or turns it off); every item must exist. */
export async function setStatusPage(
  deps: { store: Pick<Store, "probes" | "hosts" | "settings"> },
  actor: Actor,
  raw: unknown,
): Promise<StatusPageSettings> {
  let settings: StatusPageSettings;
  try {
    settings = parseStatusPage(raw);
  } catch (err) {
    if (err instanceof StatusPageInputError) {
      throw new UseCaseError("invalid_check", err.message, { field: err.field });
    }
    throw err;
  }
  for (const [i, item] of settings.items.entries()) {
    const found = item.kind === "check"
      ? await deps.store.probes.getCheck(item.id)
      : await deps.store.hosts.get(item.id);
    if (!found) {
      throw new UseCaseError("invalid_check", `No such ${item.kind}: ${item.id}`, {
        field: `items.${i}.id`,
      });
    }
  }
  await deps.store.settings.set(
    STATUS_PAGE_KEY,
    JSON.stringify(settings),
    auditEntry(actor, "status_page.set", { name: "status page" }, settings.enabled ? "on" : "off"),
  );
  return settings;
}
