/**
 * Who makes a change, as every use case is told it, and how the audit log
 * names them. A user carries their id too, so a rule about one's own account
 * ("you cannot remove yourself") does not lean on names.
 */
import type { AuditRecord } from "../store/audit/types.ts";

/** The one who asked: a signed-in user, the admin CLI, or a REST client with an API key. */
export type Actor =
  | { kind: "user"; id: string; name: string }
  | { kind: "cli" }
  | { kind: "api-key"; name: string };

/** A signed-in user, for what only a person can do (change their own password). */
export type UserActor = Extract<Actor, { kind: "user" }>;

/**
 * The actor as the audit log writes it. User names cannot hold ":" (lib/names.ts),
 * so an API key's entry is never taken for a user's.
 */
export function actorName(actor: Actor): string {
  switch (actor.kind) {
    case "user":
      return actor.name;
    case "cli":
      return "cli";
    case "api-key":
      return `apikey:${actor.name}`;
  }
}

/** What a change was done to: its name, which the log shows, and its id, kept beside it. */
export interface Target {
  name: string;
  id?: string;
}

/** The audit entry of a change `actor` makes to `target` now. */
export function auditEntry(
  actor: Actor,
  action: string,
  target: Target,
  detail?: string,
  at = Date.now(),
): AuditRecord {
  return { at, actor: actorName(actor), action, target: target.name, targetId: target.id, detail };
}
