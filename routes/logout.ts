/** POST /logout: ends the session. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import { endSession } from "../hub/http/session.ts";

/** Signs out and goes to the sign-in page. */
export function logout({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    await endSession(c, store);
    return c.redirect("/login", 303);
  };
}
