/**
 * A route's question to a host's agent over the control channel: the host
 * must exist (404), and every reason for no answer maps to its documented
 * status, none a 500 (docs/architecture.md, "The control channel").
 */
import type { AppDeps } from "./deps.ts";
import { HttpError } from "./errors.ts";
import type { AgentAnswer, AgentFailure, AgentRequest } from "../control/types.ts";

/** The status and code each reason for no answer gets. */
const FAILURES: Record<AgentFailure, [409 | 502 | 504, string]> = {
  not_connected: [409, "agent_not_connected"],
  disconnected: [409, "agent_disconnected"],
  unsupported: [409, "agent_unsupported"],
  timeout: [504, "agent_timeout"],
  failed: [502, "agent_failed"],
  invalid: [502, "agent_invalid_answer"],
};

/** The answer to a request of case `C`. */
export type Answered<C extends AgentRequest["case"]> = Extract<AgentAnswer, { ok: true; case: C }>;

/** Asks host `hostId`'s agent `request`; its answer, or an {@link HttpError} saying why none. */
export async function askAgent<C extends AgentRequest["case"]>(
  { store, status, agents }: Pick<AppDeps, "store" | "status" | "agents">,
  hostId: string,
  request: Extract<AgentRequest, { case: C }>,
): Promise<Answered<C>> {
  const host = await store.hosts.get(hostId);
  if (!host) throw new HttpError(404, "not_found", `No such host: ${hostId.slice(0, 64)}`);
  const answer = agents
    ? await agents.ask(hostId, request)
    : { ok: false as const, error: "not_connected" as const, message: "No agent port here" };
  // The ingest process refuses an answer to another question, so the case matches.
  if (answer.ok) return answer as Answered<C>;
  if (answer.error === "not_connected" && status.apply(host).status === "online") {
    // Another hub of the cluster holds its stream; requests are not routed between hubs yet.
    throw new HttpError(
      409,
      "agent_on_other_hub",
      "The agent is connected to another hub of this cluster; ask that hub",
    );
  }
  const [code, name] = FAILURES[answer.error];
  throw new HttpError(code, name, answer.message);
}
