/** POST /hosts/:id/tags: replaces a host's tags (comma-separated) from its page. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../hub/http/deps.ts";
import { form } from "../../../hub/http/render.tsx";
import { actorOf, requireAdmin } from "../../../hub/http/session.ts";
import { wantsJson } from "../../../hub/http/errors.ts";
import { setTags as setHostTags } from "../../../hub/usecases/hosts.ts";

/** Saves the tags and goes back to the host page. */
export function setTags(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const id = c.req.param("id")!;
    const tags = await setHostTags(deps, actorOf(c), id, (await form(c)).tags ?? "");
    // The page's tag editor saves in place; a plain form goes back to the host page.
    if (wantsJson(c)) return c.json({ id, tags });
    return c.redirect(`/hosts/${id}`, 303);
  };
}
