/**
 * What a person does to hosts: add one with its registration token, retag
 * it, set its metrics interval, remove it. Each checks its input by the one
 * rule for it, makes the change through the store with its audit entry in the
 * same transaction, then tells whoever must hear: browsers and other hubs
 * (live), the ingest process (a removed host's streams end), the host's agent
 * (desired state). Each of those is optional: the CLI has none of them.
 */
import { checkName } from "../../lib/names.ts";
import { checkTags } from "../../lib/tags.ts";
import { fleetRow } from "../../lib/fleet.ts";
import type { FleetRow, HostChangedData } from "../../lib/live_events.ts";
import type { Store } from "../store/store.ts";
import { type Host, UNNAMED_HOST } from "../store/hosts/types.ts";
import { hashSecret, newRegistrationToken, TOKEN_TTL_MS } from "../auth/secrets.ts";
import {
  forgetHost,
  INTERVAL_RANGE,
  logSourceItem,
  markChanged,
  setHostInterval,
} from "../control/desired.ts";
import { type Actor, auditEntry } from "./actor.ts";
import { UseCaseError } from "./errors.ts";

/** What the host use cases need; a caller passes what it has (the hub's AppDeps fit). */
export interface HostDeps {
  /** `logs` where tags decide which log sources a host reads (the CLI's store has it too). */
  store: Pick<Store, "hosts" | "settings"> & Partial<Pick<Store, "logs">>;
  /** Browsers and the other hubs (hub/live/events.ts). */
  live?: {
    hostAdded(row: FleetRow): void;
    hostChanged(data: HostChangedData): void;
    hostRemoved(id: string): void;
  };
  /** Tells the ingest process a host was removed, so it ends the host's streams. */
  hostRemoved?: (hostId: string) => void;
  /** Pushes a host's changed desired state to its agent, on whichever hub holds it. */
  agents?: { desiredChanged(hostId: string): void };
}

/** The host, or a not_found refusal. */
async function existing(store: HostDeps["store"], hostId: string): Promise<Host> {
  const host = await store.hosts.get(hostId);
  if (!host) throw new UseCaseError("not_found", `No such host: ${hostId.slice(0, 64)}`);
  return host;
}

/** A one-time registration token, valid from `now`: itself, shown once, and what is stored. */
function mintToken(now: number) {
  const token = newRegistrationToken();
  return {
    token,
    stored: { tokenHash: hashSecret(token), createdAt: now, expiresAt: now + TOKEN_TTL_MS },
  };
}

/**
 * Adds a host waiting for its agent and makes its one-time registration
 * token (the token itself is returned, never stored or audited). An empty
 * name means "the agent's hostname, once it registers".
 */
export async function createHost(
  deps: HostDeps,
  actor: Actor,
  input: { name?: string },
): Promise<{ host: Host; token: string }> {
  let name: string | null = null;
  if (input.name?.trim()) {
    const check = checkName("host", input.name);
    if (!check.ok) throw new UseCaseError("invalid_name", check.problem, { field: "name" });
    name = check.name;
  }
  const hostId = crypto.randomUUID();
  const now = Date.now();
  const { token, stored } = mintToken(now);
  const host = await deps.store.hosts.create(
    { hostId, name, ...stored },
    auditEntry(
      actor,
      "host.create",
      { name: name ?? UNNAMED_HOST, id: hostId },
      name ? "" : "named by its agent",
      now,
    ),
  );
  // A new host has no live status yet: the stored row is what every fleet shows.
  deps.live?.hostAdded(fleetRow(host));
  return { host, token };
}

/**
 * A fresh token for a host whose agent never registered (the first is shown
 * only once); the tokens it had stop working. Refused once it registered.
 */
export async function renewToken(
  deps: HostDeps,
  actor: Actor,
  hostId: string,
): Promise<{ host: Host; token: string }> {
  const host = await existing(deps.store, hostId);
  const now = Date.now();
  const { token, stored } = mintToken(now);
  if (
    !(await deps.store.hosts.renewToken(
      hostId,
      stored,
      auditEntry(actor, "host.token", host, "", now),
    ))
  ) {
    throw new UseCaseError("already_registered", `${host.name}'s agent has registered already`);
  }
  return { host, token };
}

/** Replaces a host's tags with those in `text` ("web, eu-west"); returns them as saved. */
export async function setTags(
  deps: HostDeps,
  actor: Actor,
  hostId: string,
  text: string,
): Promise<string[]> {
  const check = checkTags(text);
  if (!check.ok) throw new UseCaseError("invalid_tag", check.problem, { field: "tags" });
  const host = await existing(deps.store, hostId);
  const audit = auditEntry(actor, "host.tags", host, check.tags.join(","));
  if (!(await deps.store.hosts.setTags(hostId, check.tags, audit))) {
    throw new UseCaseError("not_found", "No such host"); // removed meanwhile
  }
  deps.live?.hostChanged({ id: hostId, name: host.name, tags: check.tags });
  // Log sources scoped by tag come and go with the host's tags: its agent gets the diff.
  const byTag = (await deps.store.logs?.listSources() ?? []).filter((s) => "tag" in s.scope);
  if (byTag.length) {
    await markChanged(deps.store, [hostId], byTag.map((s) => logSourceItem(s.id)));
    deps.agents?.desiredChanged(hostId);
  }
  return check.tags;
}

/**
 * Removes a host and all its data; its agent can no longer connect. The
 * audit entry names it, so the log still says which host it was.
 */
export async function removeHost(deps: HostDeps, actor: Actor, hostId: string): Promise<void> {
  const host = await existing(deps.store, hostId);
  if (!(await deps.store.hosts.remove(hostId, auditEntry(actor, "host.delete", host)))) {
    throw new UseCaseError("not_found", "No such host");
  }
  deps.hostRemoved?.(hostId);
  deps.live?.hostRemoved(hostId);
  // The host is gone either way: a desired-state key left behind is never read
  // again (ids are not reused), so a failure here must not fail the removal.
  await forgetHost(deps.store, hostId).catch(() => {});
}

/**
 * The one rule for an interval set on the hub: whole seconds in
 * {@link INTERVAL_RANGE}, or null for the agent's own.
 */
function checkInterval(seconds: unknown): number | null {
  if (seconds === null) return null;
  const { min, max } = INTERVAL_RANGE;
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new UseCaseError(
      "invalid_interval",
      `interval_s must be a whole number of seconds from ${min} to ${max}, or null`,
      { field: "interval_s" },
    );
  }
  return seconds;
}

/**
 * Sets (null: unsets) the host's metrics interval as desired state, and has
 * it pushed to the agent; returns the host's new desired-state version.
 * `seconds` is as the caller received it, checked here.
 */
export async function setMetricsInterval(
  deps: HostDeps,
  actor: Actor,
  hostId: string,
  seconds: unknown,
): Promise<{ seconds: number | null; version: number }> {
  const checked = checkInterval(seconds);
  const host = await existing(deps.store, hostId);
  const version = await setHostInterval(
    deps.store,
    hostId,
    checked,
    auditEntry(actor, "host.interval", host, checked === null ? "agent's own" : `${checked}s`),
  );
  deps.agents?.desiredChanged(hostId);
  return { seconds: checked, version };
}
