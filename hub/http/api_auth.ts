/** Authentication for `/api/v1`: a Bearer API key, or the dashboard's session cookie. */
import type { MiddlewareHandler } from "hono";
import { hashSecret } from "../auth/secrets.ts";
import type { Store } from "../store/store.ts";
import type { AppEnv } from "./deps.ts";
import { HttpError } from "./errors.ts";

const KEY_RE = /^Bearer (sl_key_[A-Za-z0-9_-]{32})$/;

/** Middleware that admits a live API key or a signed-in user (see loadUser). */
export function apiAuth(options: { store: Store }): MiddlewareHandler<AppEnv> {
  const { store } = options;
  if (!store) throw new TypeError("apiAuth needs a store");
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (header) {
      const m = KEY_RE.exec(header);
      const key = m ? await store.auth.useApiKey(hashSecret(m[1]), Date.now()) : null;
      if (!key) throw new HttpError(401, "unauthenticated", "Invalid or revoked API key");
      c.set("apiKey", key);
    } else if (!c.var.user) {
      throw new HttpError(
        401,
        "unauthenticated",
        "Authentication required: send Authorization: Bearer <api key>",
      );
    }
    await next();
  };
}
