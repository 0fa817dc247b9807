/**
 * Dashboard sessions: a random id in an HttpOnly, SameSite=Lax cookie (Secure
 * over TLS), stored by the hub only as SHA-256. Middleware here loads the
 * user, guards pages and mutations, and checks that a mutation comes from the
 * dashboard's own origin.
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { hashSecret } from "../auth/secrets.ts";
import type { Store } from "../store/store.ts";
import { SESSION_TTL_MS } from "../usecases/sessions.ts";
import type { Actor, UserActor } from "../usecases/actor.ts";
import type { AppEnv } from "./deps.ts";
import { HttpError, wantsJson } from "./errors.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "sl_session";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function secure(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

/** Gives the browser the cookie of a session a use case started (hub/usecases/sessions.ts). */
export function setSessionCookie(c: Context, sessionId: string): void {
  setCookie(c, SESSION_COOKIE, sessionId, {
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
      // A page's script (the tag editor) is told in JSON, not sent to a page it cannot show.
      if (wantsJson(c)) throw new HttpError(401, "unauthenticated", "Signed out: sign in again");
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

/** Who makes the request's change, for a use case: its API key, or the signed-in user. */
export function actorOf(c: Context<AppEnv>): Actor {
  if (c.var.apiKey) return { kind: "api-key", name: c.var.apiKey.name };
  return signedIn(c);
}

/** The signed-in user as an actor (pages run behind requirePageUser, so there is one). */
export function signedIn(c: Context<AppEnv>): UserActor {
  const user = c.var.user;
  if (!user) throw new HttpError(401, "unauthenticated", "Sign in first");
  return { kind: "user", id: user.id, name: user.name };
}
