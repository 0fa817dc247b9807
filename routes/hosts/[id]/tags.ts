/** POST /hosts/:id/tags: replaces a host's tags (comma-separated) from its page. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../hub/http/deps.ts";
import { form } from "../../../hub/http/render.tsx";
import { requireAdmin } from "../../../hub/http/session.ts";
import { HttpError, wantsJson } from "../../../hub/http/errors.ts";

const TAG_RE = /^[\p{L}\p{N}._:-]{1,32}$/u;
const MAX_TAGS = 16;

/** Parses "web, eu-west" into ["web", "eu-west"]; throws a 400 naming the bad tag. */
export function parseTags(text: string): string[] {
  const tags = [...new Set(text.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))];
  const bad = tags.find((t) => !TAG_RE.test(t));
  if (bad) {
    throw new HttpError(
      400,
      "invalid_tag",
      `Invalid tag "${bad.slice(0, 40)}": 1 to 32 letters, digits, . _ : -`,
    );
  }
  if (tags.length > MAX_TAGS) throw new HttpError(400, "invalid_tag", `At most ${MAX_TAGS} tags`);
  return tags.sort();
}

/** Saves the tags and goes back to the host page. */
export function setTags({ store, live }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const id = c.req.param("id")!;
    const tags = parseTags((await form(c)).tags ?? "");
    if (!(await store.setHostTags(id, tags))) throw new HttpError(404, "not_found", "No such host");
    const host = await store.getHost(id);
    if (host) live.hostChanged({ id, name: host.name, tags: host.tags });
    await store.audit({
      at: Date.now(),
      actor: c.var.user!.name,
      action: "host.tags",
      target: id,
      detail: tags.join(","),
    });
    // The page's tag editor saves in place; a plain form goes back to the host page.
    if (wantsJson(c)) return c.json({ id, tags });
    return c.redirect(`/hosts/${id}`, 303);
  };
}
