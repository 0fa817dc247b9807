/** Bearer API-key authentication for `/api/v1`. */
import type { MiddlewareHandler } from "hono";
import { hashSecret } from "../auth/secrets.ts";
import type { Store } from "../store/store.ts";
import { HttpError } from "./errors.ts";

const KEY_RE = /^Bearer (sl_key_[A-Za-z0-9_-]{32})$/;

/** Middleware that admits requests carrying a live API key. */
export function apiAuth(options: { store: Store }): MiddlewareHandler {
  const { store } = options;
  if (!store) throw new TypeError("apiAuth needs a store");
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) {
      throw new HttpError(
        401,
        "unauthenticated",
        "Authentication required: send Authorization: Bearer <api key>",
      );
    }
    const m = KEY_RE.exec(header);
    const key = m ? await store.useApiKey(hashSecret(m[1]), Date.now()) : null;
    if (!key) throw new HttpError(401, "unauthenticated", "Invalid or revoked API key");
    c.set("apiKey" as never, key as never);
    await next();
  };
}
