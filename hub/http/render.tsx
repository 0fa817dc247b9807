/** Renders a page inside the shared shell and answers it as HTML. */
import type { Context } from "hono";
import { HttpError } from "./errors.ts";
import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { App } from "../../routes/_app.tsx";
import type { AppEnv } from "./deps.ts";

/** Answers `body` as a full page titled `title`. */
export function page(
  c: Context<AppEnv>,
  title: string,
  body: ComponentChildren,
  opts: { status?: ContentfulStatusCode; active?: "fleet" | "settings" } = {},
): Response {
  const html = renderToString(
    <App title={title} user={c.var.user} active={opts.active}>{body}</App>,
  );
  return c.html(`<!doctype html>${html}`, opts.status ?? 200);
}

/** Reads a urlencoded form body into strings (files and repeats are ignored). */
export async function form(c: Context): Promise<Record<string, string>> {
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody();
  } catch (err) {
    if (err instanceof HttpError) throw err; // the size limit's 413
    throw new HttpError(400, "invalid_body", "The form could not be read");
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}
