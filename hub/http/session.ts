/**
 * Dashboard sessions: a random id in an HttpOnly, SameSite=Lax cookie (Secure
 * over TLS), stored by the hub only as SHA-256. Middleware here loads the
 * user, guards pages and mutations, and checks that a mutation comes from the
 * dashboard's own origin.
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { randomBytes } from "node:crypto";
import { hashSecret } from "../auth/secrets.ts";
import type { Store } from "../store/store.ts";
import type { User } from "../store/auth/types.ts";
import type { AuditRecord } from "../store/audit/types.ts";
import type { AppEnv } from "./deps.ts";
import { HttpError } from "./errors.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "sl_session";
const SESSION_TTL_MS = 14 * 86_400_000;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function secure(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

/** Starts a session for `user` and sets its cookie; `audit` is written with the session. */
export async function startSession(
  c: Context,
  store: Store,
  user: User,
  audit?: AuditRecord,
): Promise<void> {
  const id = randomBytes(32).toString("base64url");
  const now = Date.now();
  await store.auth.createSession({
    hash: hashSecret(id),
    userId: user.id,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  }, audit);
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: "Lax",
    secure: secure(c),
    path: "/",
    maxAge: SESSION_TTL_MS / 1000,
  });
}

/** Ends the request's session, if any, and clears its cookie. */
export async function endSession(c: Context, store: Store): Promise<void> {
  const id = getCookie(c, SESSION_COOKIE);
  if (id) await store.auth.deleteSession(hashSecret(id));
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

/** The hash of the request's session id, if it has one. */
export function sessionHash(c: Context): string | null {
  const id = getCookie(c, SESSION_COOKIE);
  return id ? hashSecret(id) : null;
}

/** Loads the signed-in user (or null) into `c.var.user`. */
export function loadUser(options: { store: Store }): MiddlewareHandler<AppEnv> {
  const { store } = options;
  return async (c, next) => {
    const id = getCookie(c, SESSION_COOKIE);
    c.set(
      "user",
      id && id.length < 100 ? await store.auth.sessionUser(hashSecret(id), Date.now()) : null,
    );
    c.set("apiKey", null);
    await next();
  };
}

/** Sends pages of signed-out visitors to /login (and back after). */
export function requirePageUser(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.var.user) {
      const url = new URL(c.req.url);
      return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`);
    }
    await next();
  };
}

/**
 * Refuses a mutation whose Origin (or, lacking one, Referer) is not this
 * hub: with SameSite=Lax cookies this closes cross-site request forgery.
 * Requests authenticated by an API key carry no cookie and are exempt.
 */
export function sameOrigin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method) && !c.var.apiKey) {
      const from = c.req.header("origin") ?? c.req.header("referer");
      let host: string | null = null;
      try {
        host = from ? new URL(from).host : null;
      } catch { /* malformed: refused below */ }
      const ours = c.req.header("x-forwarded-host") ?? c.req.header("host");
      if (!host || host !== ours) {
        throw new HttpError(
          403,
          "cross_origin",
          "Refused: the request did not come from this dashboard",
        );
      }
    }
    await next();
  };
}

/** Lets only admins through (API keys count as admin). */
export function requireAdmin(c: Context<AppEnv>): void {
  if (c.var.apiKey) return;
  if (!c.var.user) throw new HttpError(401, "unauthenticated", "Sign in first");
  if (c.var.user.role !== "admin") {
    throw new HttpError(403, "forbidden", "Only an admin can do this");
  }
}
