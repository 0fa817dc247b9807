/**
 * GET /api/v1/hosts/:id/actions: what the host's own action file allows and
 * which operator keys it pinned, asked of its agent (the hub cannot invent
 * actions). POST: runs one, `{action, params, grant, signature}`, the grant
 * signed by an operator key (lib/actions/grant.ts); admins only, audited.
 * The agent's refusal is a 403 `action_refused` with its reason.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../../../hub/http/deps.ts";
import { askAgent } from "../../../../../hub/http/ask_agent.ts";
import { HttpError } from "../../../../../hub/http/errors.ts";
import { actorOf, requireAdmin } from "../../../../../hub/http/session.ts";
import { runAction } from "../../../../../hub/usecases/actions.ts";

/** The host's allowed actions, its pinned keys' fingerprints, and why its files were refused. */
export function getActions(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const { list } = await askAgent(deps, c.req.param("id")!, { case: "actionList" });
    return c.json(list);
  };
}

/** Relays one granted action and answers its result: exit code, output, duration. */
export function postAction(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch (err) {
      if (err instanceof HttpError) throw err; // the size limit's 413
      throw new HttpError(
        400,
        "invalid_body",
        "The body must be JSON: {action, params, grant, signature}",
      );
    }
    const result = await runAction(
      {
        store: deps.store,
        ask: async (hostId, run) =>
          (await askAgent(deps, hostId, { case: "runAction", run })).result,
      },
      actorOf(c),
      c.req.param("id")!,
      body,
    );
    if ("refused" in result) throw new HttpError(403, "action_refused", result.refused);
    return c.json(result);
  };
}
