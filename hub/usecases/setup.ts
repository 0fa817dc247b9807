/**
 * The first admin: while no user exists, whoever holds the one-time setup
 * token the hub printed at start may create the admin account, and is signed
 * in as it. The token is retired with that.
 */
import { Buffer } from "node:buffer";
import { timingSafeEqual } from "node:crypto";
import type { Store } from "../store/store.ts";
import type { User } from "../store/auth/types.ts";
import { SETUP_KEY } from "../auth/setup_token.ts";
import { hashSecret } from "../auth/secrets.ts";
import { addUser } from "./users.ts";
import { openSession } from "./sessions.ts";
import { UseCaseError } from "./errors.ts";

/** What setup needs. */
export interface SetupDeps {
  store: Pick<Store, "auth" | "settings">;
}

/** Refuses unless setup is still open and `token` is the one the hub printed. */
export async function checkSetupToken({ store }: SetupDeps, token: string | undefined) {
  if ((await store.auth.countUsers()) > 0) {
    throw new UseCaseError("setup_done", "Setup is done: sign in instead");
  }
  const expected = await store.settings.get(SETUP_KEY);
  const given = Buffer.from(hashSecret(token ?? ""));
  if (!expected || !token || !timingSafeEqual(given, Buffer.from(expected))) {
    throw new UseCaseError(
      "bad_setup_token",
      "This setup link is not valid: use the one the hub printed at start",
    );
  }
}

/** Creates the first admin with the setup token, retires the token, and starts their session. */
export async function createFirstAdmin(
  deps: SetupDeps,
  input: { token: string | undefined; name: string; password: string },
): Promise<{ user: User; sessionId: string }> {
  await checkSetupToken(deps, input.token);
  const user = await addUser(deps, "self", { ...input, role: "admin" }, "admin (setup)");
  await deps.store.settings.set(SETUP_KEY, null);
  return { user, sessionId: await openSession(deps.store, user.id) };
}
