/** GET /api/v1/hosts/:id/agent: asks the host's agent about itself, over the control channel. */
import type { Context } from "hono";
import type { AppDeps } from "../../../../../hub/http/deps.ts";
import { HttpError } from "../../../../../hub/http/errors.ts";
import type { AgentFailure } from "../../../../../hub/control/types.ts";

/** The status and code each reason for no answer gets; none is a 500. */
const FAILURES: Record<AgentFailure, [409 | 502 | 504, string]> = {
  not_connected: [409, "agent_not_connected"],
  disconnected: [409, "agent_disconnected"],
  unsupported: [409, "agent_unsupported"],
  timeout: [504, "agent_timeout"],
  failed: [502, "agent_failed"],
  invalid: [502, "agent_invalid_answer"],
};

/** Answers the agent's version, uptimes, pid, WAL backlog, collectors and intervals. */
export function getAgent({ store, status, agents }: AppDeps) {
  return async (c: Context) => {
    const id = c.req.param("id")!;
    const host = await store.getHost(id);
    if (!host) throw new HttpError(404, "not_found", `No such host: ${id.slice(0, 64)}`);
    const answer = agents
      ? await agents.ask(id, { case: "agentInfo" })
      : { ok: false as const, error: "not_connected" as const, message: "No agent port here" };
    if (answer.ok) return c.json(answer.info);
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
  };
}
