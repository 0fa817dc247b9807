/** GET /api/v1/hosts/:id/agent: asks the host's agent about itself, over the control channel. */
import type { Context } from "hono";
import type { AppDeps } from "../../../../../hub/http/deps.ts";
import { askAgent } from "../../../../../hub/http/ask_agent.ts";

/** Answers the agent's version, uptimes, pid, WAL backlog, collectors and intervals. */
export function getAgent(deps: AppDeps) {
  return async (c: Context) => {
    const { info } = await askAgent(deps, c.req.param("id")!, { case: "agentInfo" });
    return c.json(info);
  };
}
