/**
 * GET /api/v1/hosts/:id/processes: the host's top ten processes by CPU
 * (over the agent's ~500 ms window) and by memory, asked of its agent over
 * the control channel; names and owners, never command lines.
 */
import type { Context } from "hono";
import type { AppDeps } from "../../../../../hub/http/deps.ts";
import { askAgent } from "../../../../../hub/http/ask_agent.ts";

/** Answers `{at, total, by_cpu, by_memory}`. */
export function getProcesses(deps: AppDeps) {
  return async (c: Context) => {
    const { processes } = await askAgent(deps, c.req.param("id")!, { case: "topProcesses" });
    return c.json(processes);
  };
}
