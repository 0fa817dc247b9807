/**
 * Why a use case refused: a stable code and a sentence a user can act on.
 * Routes turn the code into an HTTP status (hub/http/errors.ts), the CLI into
 * a message and exit code 1; nothing was changed when one is thrown.
 */

/** Every reason a use case refuses, by what the caller should do about it. */
export type UseCaseCode =
  /** The input breaks a rule (a name, a tag, a password, a role, an interval). */
  | "invalid_name"
  | "invalid_tag"
  | "invalid_password"
  | "invalid_role"
  | "invalid_interval"
  /** An alert rule, silence, maintenance window or channel that breaks a rule (`field` says which). */
  | "invalid_alert"
  /** An action request that is not one (issue 20): no grant, a parameter that is not text. */
  | "invalid_action"
  /** An uptime check that breaks a rule (`field` says which). */
  | "invalid_check"
  /** A log source or log search that breaks a rule (`field` says which). */
  | "invalid_log"
  /** A user name that looks like an existing one. */
  | "lookalike_name"
  /** Something one may not do to one's own account (remove it, change its role). */
  | "own_account"
  /** The current password given to change it is wrong. */
  | "wrong_password"
  | "not_found"
  /** A new registration token for a host whose agent has registered. */
  | "already_registered"
  /** The thing is not in a state for this (an alert not firing, or already acknowledged). */
  | "conflict"
  /** The name is taken. */
  | "name_taken"
  /** Sign-in: no such user or the wrong password (which is not said). */
  | "bad_credentials"
  /** Sign-in: too many wrong attempts; `retryAfterMs` says how long to wait. */
  | "rate_limited"
  /** The first-admin setup is over: there are users. */
  | "setup_done"
  | "bad_setup_token";

/**
 * A refusal. `field` names the input it is about: a form shows such a
 * refusal beside what was typed, the CLI names the argument; one without a
 * field is the error page.
 */
export class UseCaseError extends Error {
  readonly field?: string;
  readonly retryAfterMs?: number;

  constructor(
    readonly code: UseCaseCode,
    message: string,
    options: { field?: string; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = "UseCaseError";
    this.field = options.field;
    this.retryAfterMs = options.retryAfterMs;
  }
}
