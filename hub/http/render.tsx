/** Renders a page inside the shared shell and answers it as HTML. */
import type { Context } from "hono";
import { HttpError } from "./errors.ts";
import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./deps.ts";
import type { User } from "../store/auth/types.ts";
import type { VNode } from "preact";

/** What the page shell (routes/_app.tsx) is given. */
export interface LayoutProps {
  title: string;
  user: User | null;
  children: ComponentChildren;
  active?: "fleet" | "packages" | "alerts" | "containers" | "checks" | "logs" | "settings";
}
export type Layout = (props: LayoutProps) => VNode;

/** The shell used before the app sets its own (errors raised before any middleware ran). */
const BARE: Layout = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <title>{`${title} · Sightline`}</title>
    </head>
    <body>{children}</body>
  </html>
);

/** Answers `body` as a full page titled `title`. */
export function page(
  c: Context<AppEnv>,
  title: string,
  body: ComponentChildren,
  opts: { status?: ContentfulStatusCode; active?: LayoutProps["active"] } = {},
): Response {
  const Shell = c.var.layout ?? BARE;
  const html = renderToString(
    <Shell title={title} user={c.var.user ?? null} active={opts.active}>{body}</Shell>,
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
