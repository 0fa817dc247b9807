/**
 * Actions on a host (issue 20), as the hub relays them: the request is
 * checked for shape only (names and text; the grant's bytes passed on exactly
 * as signed), recorded in the audit log before it leaves, relayed to the
 * agent, and its outcome recorded after. The hub decides nothing here: the
 * agent checks the grant against the operator key it pinned and the action
 * against its own file, so a hub database and secret alone run nothing.
 */
import type { Store } from "../store/store.ts";
import type { ActionResultAnswer, RunActionInput } from "../control/types.ts";
import { fromBase64, parseGrant } from "../../lib/actions/grant.ts";
import { type Actor, auditEntry } from "./actor.ts";
import { UseCaseError } from "./errors.ts";

/** Limits on a request's shape; the agent's own are tighter where its file says so. */
const LIMITS = { action: 64, params: 32, name: 32, value: 256, grant: 2048 };

export interface ActionDeps {
  store: Pick<Store, "hosts" | "audit">;
  /** Relays to the host's agent; throws when there is no answer (the caller's mapping). */
  ask(hostId: string, run: RunActionInput): Promise<ActionResultAnswer>;
}

const invalid = (field: string, message: string) =>
  new UseCaseError("invalid_action", message, { field });

/** The request in `body`, as given, or a refusal naming the field at fault. */
export function checkRunAction(body: unknown): RunActionInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid("body", "The body must be {action, params, grant, signature}");
  }
  const b = body as Record<string, unknown>;
  if (typeof b.action !== "string" || !b.action || b.action.length > LIMITS.action) {
    throw invalid("action", `action must be the name of one of the host's actions`);
  }
  const raw = b.params ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalid("params", "params must be an object of texts by name");
  }
  const entries = Object.entries(raw);
  if (entries.length > LIMITS.params) throw invalid("params", "Too many parameters");
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > LIMITS.name) {
      throw invalid("params", "A parameter name is too long");
    }
    // Text only: the host types them, and the grant hashes them as text.
    if (typeof v !== "string" || v.length > LIMITS.value) {
      throw invalid(
        "params",
        `The parameter ${k} must be a text of at most ${LIMITS.value} characters`,
      );
    }
  }
  // fromEntries makes own properties, so even a "__proto__" parameter is relayed as a name.
  const params: Record<string, string> = Object.fromEntries(entries as Array<[string, string]>);
  for (const f of ["grant", "signature"] as const) {
    const v = b[f];
    if (typeof v !== "string" || !v || v.length > LIMITS.grant || !fromBase64(v)) {
      throw invalid(
        f,
        `${f} must be the operator's signed grant, base64 (sign it with the operator key)`,
      );
    }
  }
  return { action: b.action, params, grant: b.grant as string, signature: b.signature as string };
}

/** What the audit log keeps of a grant: its nonce and expiry, as it claims them (unchecked here). */
function grantNote(grant: string): string {
  const g = parseGrant(fromBase64(grant) ?? new Uint8Array());
  if (typeof g === "string") return g;
  // Any safe integer parses as a time; past year 275760 a Date has none to print.
  const exp = new Date(g.exp);
  return `nonce ${g.nonce}, expires ${
    Number.isFinite(exp.getTime()) ? exp.toISOString() : `at ${g.exp} (no such date)`
  }`;
}

/** Relays one action to host `hostId`'s agent and audits the request and what became of it. */
export async function runAction(
  deps: ActionDeps,
  actor: Actor,
  hostId: string,
  body: unknown,
): Promise<ActionResultAnswer> {
  const host = await deps.store.hosts.get(hostId);
  if (!host) throw new UseCaseError("not_found", `No such host: ${hostId.slice(0, 64)}`);
  const run = checkRunAction(body);
  const target = { name: host.name, id: host.id };
  const what = `${run.action} ${JSON.stringify(run.params)}`;
  await deps.store.audit.record(
    auditEntry(actor, "action.request", target, `${what}; grant: ${grantNote(run.grant)}`),
  );
  let result: ActionResultAnswer;
  try {
    result = await deps.ask(hostId, run);
  } catch (err) {
    await deps.store.audit.record(
      auditEntry(actor, "action.failed", target, `${what}; no answer: ${(err as Error).message}`),
    );
    throw err;
  }
  await deps.store.audit.record(
    "refused" in result
      ? auditEntry(actor, "action.refused", target, `${what}; the agent refused: ${result.refused}`)
      : auditEntry(
        actor,
        "action.ran",
        target,
        `${what}; grant accepted; exit ${result.exit_code} in ${Math.round(result.duration_ms)} ms`,
      ),
  );
  return result;
}
