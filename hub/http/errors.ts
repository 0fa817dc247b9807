/** The one error type handlers throw; the app turns it into `{error: {code, message}}`. */
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error the client should see, with its HTTP status and a stable code. */
export class HttpError extends Error {
  constructor(readonly status: ContentfulStatusCode, readonly code: string, message: string) {
    super(message);
  }
}
