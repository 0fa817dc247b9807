/**
 * The one-time link that creates the first admin: while no user exists, each
 * start of the hub makes a fresh token, keeps only its hash (a setting), and
 * prints the link; /setup takes it once.
 */
import { randomBytes } from "node:crypto";
import type { Store } from "../store/store.ts";
import { hashSecret } from "./secrets.ts";

/** The setting that holds the setup token's hash. */
export const SETUP_KEY = "setup_token_hash";

/** While no user exists, a fresh one-time setup token (its hash stored); null once one does. */
export async function newSetupToken(store: Store): Promise<string | null> {
  if ((await store.auth.countUsers()) > 0) return null;
  const token = randomBytes(24).toString("base64url");
  await store.settings.set(SETUP_KEY, hashSecret(token));
  return token;
}
