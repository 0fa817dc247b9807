/**
 * What a person does to log shipping: add a log source (a file glob or the
 * journal) for all hosts, a tag or some hosts, and remove one. Each is
 * audited in its own transaction, then pushed as desired state (one item per
 * source, `log_source:<id>`) to every host it changes, so an agent gets the
 * diff. The agent still reads a file only within its own allow-list.
 */
import { checkTags } from "../../lib/tags.ts";
import type { Store } from "../store/store.ts";
import type { LogScope, LogSourceRow } from "../store/logs/types.ts";
import { inScope, logSourceItem, markChanged } from "../control/desired.ts";
import { type Actor, auditEntry } from "./actor.ts";
import { UseCaseError } from "./errors.ts";

export interface LogDeps {
  store: Pick<Store, "logs" | "hosts" | "settings">;
  agents?: { desiredChanged(hostId: string): void };
}

const refuse = (field: string, message: string) =>
  new UseCaseError("invalid_log", message, { field });

const UNIT_RE = /^[A-Za-z0-9:_.@\\-]{1,256}$/;

function scopeOf(raw: unknown): LogScope {
  if (raw === undefined) return { all: true };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw refuse("scope", "scope must be {all: true}, {tag} or {hosts: [id…]}");
  }
  const s = raw as Record<string, unknown>;
  const keys = Object.keys(s);
  if (keys.length === 1 && s.all === true) return { all: true };
  if (keys.length === 1 && typeof s.tag === "string") {
    const check = checkTags(s.tag);
    if (!check.ok || check.tags.length !== 1) {
      throw refuse("scope.tag", check.ok ? "scope.tag must be one tag" : check.problem);
    }
    return { tag: check.tags[0] };
  }
  if (keys.length === 1 && Array.isArray(s.hosts)) {
    if (!s.hosts.length || s.hosts.length > 1000 || s.hosts.some((h) => typeof h !== "string")) {
      throw refuse("scope.hosts", "scope.hosts must be a list of 1 to 1000 host ids");
    }
    return { hosts: [...new Set(s.hosts as string[])] };
  }
  throw refuse("scope", "scope must be {all: true}, {tag} or {hosts: [id…]}");
}

/** Checks a source as sent (`{type: "file", path, scope}` or `{type: "journal", units?, scope}`). */
export function checkSource(raw: unknown): Omit<LogSourceRow, "id" | "created_at"> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw refuse("type", "The log source must be a JSON object");
  }
  const b = raw as Record<string, unknown>;
  const scope = scopeOf(b.scope);
  if (b.type === "file") {
    const path = b.path;
    if (
      typeof path !== "string" || !path.startsWith("/") || path.length > 1024 ||
      /[\0\n]/.test(path) || path.split("/").includes("..")
    ) {
      throw refuse(
        "path",
        "path must be an absolute path or glob without '..' (up to 1024 characters)",
      );
    }
    if (b.units !== undefined) throw refuse("units", "units are for journal sources");
    return { type: "file", path, units: [], scope };
  }
  if (b.type === "journal") {
    const units = b.units ?? [];
    if (
      !Array.isArray(units) || units.length > 64 ||
      units.some((u) => typeof u !== "string" || !UNIT_RE.test(u))
    ) {
      throw refuse("units", "units must be a list of up to 64 systemd unit names");
    }
    if (b.path !== undefined) throw refuse("path", "path is for file sources");
    return { type: "journal", path: "", units: [...new Set(units as string[])], scope };
  }
  throw refuse("type", 'type must be "file" or "journal"');
}

/** The hosts a source applies to. */
async function hostsIn(store: LogDeps["store"], source: LogSourceRow): Promise<string[]> {
  return (await store.hosts.list()).filter((h) => inScope(source, h)).map((h) => h.id);
}

async function push(deps: LogDeps, source: LogSourceRow): Promise<void> {
  const hosts = await hostsIn(deps.store, source);
  await markChanged(deps.store, hosts, [logSourceItem(source.id)]);
  for (const h of hosts) deps.agents?.desiredChanged(h);
}

/** Adds a log source and pushes it to the hosts in its scope; returns it. */
export async function createLogSource(
  deps: LogDeps,
  actor: Actor,
  raw: unknown,
): Promise<LogSourceRow> {
  const checked = checkSource(raw);
  if ("hosts" in checked.scope) {
    const known = new Set((await deps.store.hosts.list()).map((h) => h.id));
    const unknown = checked.scope.hosts.find((id) => !known.has(id));
    if (unknown !== undefined) {
      throw refuse("scope.hosts", `scope.hosts names no host ${unknown.slice(0, 64)}`);
    }
  }
  const source: LogSourceRow = { id: crypto.randomUUID(), created_at: Date.now(), ...checked };
  const name = source.type === "file"
    ? source.path
    : `journal ${source.units.join(",") || "(all)"}`;
  await deps.store.logs.createSource(
    source,
    auditEntry(actor, "log_source.create", { name, id: source.id }, JSON.stringify(source.scope)),
  );
  await push(deps, source);
  return source;
}

/** Removes a log source; its hosts' agents stop reading it. Lines already stored stay. */
export async function deleteLogSource(deps: LogDeps, actor: Actor, id: string): Promise<void> {
  const source = (await deps.store.logs.listSources()).find((s) => s.id === id);
  if (!source) throw new UseCaseError("not_found", "No such log source");
  const name = source.type === "file"
    ? source.path
    : `journal ${source.units.join(",") || "(all)"}`;
  if (
    !(await deps.store.logs.deleteSource(id, auditEntry(actor, "log_source.delete", { name, id })))
  ) {
    throw new UseCaseError("not_found", "No such log source");
  }
  await push(deps, source);
}
