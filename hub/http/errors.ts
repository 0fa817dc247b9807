/** The one error type handlers throw; the app turns it into `{error: {code, message}}`. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error the client should see, with its HTTP status and a stable code. */
export class HttpError extends Error {
  constructor(readonly status: ContentfulStatusCode, readonly code: string, message: string) {
    super(message);
  }
}

/** Whether a request wants JSON back: the REST API, or a page's script that asked for it. */
export function wantsJson(c: Context): boolean {
  return c.req.path.startsWith("/api/") ||
    (c.req.header("accept") ?? "").includes("application/json");
}
