/** The one error type handlers throw; the app turns it into `{error: {code, message}}`. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { UseCaseCode, UseCaseError } from "../usecases/errors.ts";

/** An error the client should see, with its HTTP status and a stable code. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    /** The input the error is about, when it is about one: `{error: {…, field}}`. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The HTTP status of each refusal a use case can give. */
const STATUS: Record<UseCaseCode, 400 | 401 | 403 | 404 | 409 | 429> = {
  invalid_name: 400,
  invalid_tag: 400,
  invalid_password: 400,
  invalid_role: 400,
  invalid_interval: 400,
  invalid_alert: 400,
  invalid_action: 400,
  invalid_check: 400,
  invalid_log: 400,
  conflict: 409,
  lookalike_name: 400,
  own_account: 400,
  wrong_password: 400,
  not_found: 404,
  already_registered: 409,
  name_taken: 409,
  bad_credentials: 401,
  rate_limited: 429,
  setup_done: 404,
  bad_setup_token: 403,
};

/** The status a use case's refusal answers with. */
export function statusOf(err: UseCaseError): 400 | 401 | 403 | 404 | 409 | 429 {
  return STATUS[err.code];
}

/** A use case's refusal as the client sees it: its status, its code, its message. */
export function fromUseCase(err: UseCaseError): HttpError {
  return new HttpError(statusOf(err), err.code, err.message, err.field);
}

/** Whether a request wants JSON back: the REST API, or a page's script that asked for it. */
export function wantsJson(c: Context): boolean {
  return c.req.path.startsWith("/api/") ||
    (c.req.header("accept") ?? "").includes("application/json");
}
