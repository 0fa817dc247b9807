/**
 * Signing in: the rate limits first (hub/auth/rate_limit.ts: an attempt
 * counts when it starts), then the password, then a session. Every outcome
 * is audited under the name tried, with the address it came from: a
 * sign-in with its session, a wrong one as `user.login.failed`, a refused one
 * as `user.login.blocked` once per block. The password never is.
 */
import { randomBytes } from "node:crypto";
import { visible } from "../../lib/names.ts";
import type { Store } from "../store/store.ts";
import type { AuditRecord } from "../store/audit/types.ts";
import type { User } from "../store/auth/types.ts";
import { hashPassword, verifyPassword } from "../auth/passwords.ts";
import { hashSecret } from "../auth/secrets.ts";
import type { LoginGuard } from "../auth/rate_limit.ts";
import { UseCaseError } from "./errors.ts";

/** How long a session lasts. */
export const SESSION_TTL_MS = 14 * 86_400_000;

/**
 * Starts a session for `userId`, with `audit` written in its transaction;
 * returns the session's id, the secret its cookie carries (stored only as
 * its hash).
 */
export async function openSession(
  store: Pick<Store, "auth">,
  userId: string,
  audit?: AuditRecord,
): Promise<string> {
  const id = randomBytes(32).toString("base64url");
  const now = Date.now();
  await store.auth.createSession(
    { hash: hashSecret(id), userId, createdAt: now, expiresAt: now + SESSION_TTL_MS },
    audit,
  );
  return id;
}

/** What signing in needs. */
export interface SignInDeps {
  store: Pick<Store, "auth" | "audit">;
  loginGuard: LoginGuard;
}

/** A sign-in attempt: the name and password typed, and the peer address it came from. */
export interface SignInAttempt {
  name: string;
  password: string;
  address: string;
}

/** Checked against when the name is unknown, so an unknown name takes as long as a wrong password. */
let unknownUserHash: Promise<string> | null = null;

/**
 * Signs in; returns the user and their new session's id. Refuses with
 * `rate_limited` (and `retryAfterMs`) or `bad_credentials`, which does not
 * say whether the name exists.
 */
export async function signIn(
  { store, loginGuard }: SignInDeps,
  attempt: SignInAttempt,
): Promise<{ user: User; sessionId: string }> {
  const name = attempt.name.trim().slice(0, 64);
  const from = attempt.address;
  // A failure is logged under the name tried, shown as typed; a sign-in under the user's own.
  const tried = (action: string, detail: string, user?: User, actor = visible(name)) => ({
    at: Date.now(),
    actor,
    action,
    // The actor names the user already; the id says which account it was.
    targetId: user?.id,
    detail: `from ${from}${detail}`,
  });
  // Counted now, before the password check, so parallel attempts count too.
  const startedAt = Date.now();
  const wait = loginGuard.begin(from, name, startedAt);
  if (wait > 0) {
    if (loginGuard.newBlock(from, name, wait, startedAt)) {
      const minutes = Math.ceil(wait / 60_000);
      await store.audit.record(
        tried("user.login.blocked", `: too many attempts, refused for ${minutes} min`),
      );
    }
    throw new UseCaseError("rate_limited", "Too many attempts. Try again in a few minutes.", {
      retryAfterMs: wait,
    });
  }
  const user = name ? await store.auth.findUserByName(name) : null;
  unknownUserHash ??= hashPassword("no such user");
  const right = await verifyPassword(
    attempt.password,
    user?.password_hash ?? await unknownUserHash,
  );
  if (!user || !right) {
    await store.audit.record(
      tried("user.login.failed", user ? ": wrong password" : ": no such user", user ?? undefined),
    );
    throw new UseCaseError("bad_credentials", "Wrong name or password.");
  }
  loginGuard.succeeded(from, name, startedAt);
  const sessionId = await openSession(store, user.id, tried("user.login", "", user, user.name));
  const { password_hash: _, ...shown } = user;
  return { user: shown, sessionId };
}
