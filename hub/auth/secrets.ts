/**
 * The hub's secrets: its master secret (kept in the data dir), the one-time
 * registration tokens and API keys (stored only as SHA-256), and agent keys,
 * which are derived from the master secret and never stored, so a copy of the
 * database alone cannot impersonate an agent.
 */
import { Buffer } from "node:buffer";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { join } from "node:path";

/** How long a registration token stays usable. */
export const TOKEN_TTL_MS = 24 * 3_600_000;

const SECRET_FILE = "hub.secret";

/** Reads the hub secret from `dataDir`, creating it (mode 0600) on first start. */
export async function loadOrCreateSecret(dataDir: string): Promise<Uint8Array> {
  const path = join(dataDir, SECRET_FILE);
  try {
    const hex = (await Deno.readTextFile(path)).trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`Cannot read hub secret: ${path} is corrupt`);
    return Buffer.from(hex, "hex");
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await Deno.mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32);
  // createNew: two processes starting at once must not end up with two secrets.
  try {
    await Deno.writeTextFile(path, secret.toString("hex") + "\n", { mode: 0o600, createNew: true });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return loadOrCreateSecret(dataDir);
    throw err;
  }
  return secret;
}

/** SHA-256 of a token or key, hex: the only form in which they are stored. */
export function hashSecret(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** A new registration token, `sl_reg_…`. */
export function newRegistrationToken(): string {
  return "sl_reg_" + randomBytes(24).toString("base64url");
}

/** A new REST API key, `sl_key_…`. */
export function newApiKey(): string {
  return "sl_key_" + randomBytes(24).toString("base64url");
}

/** The key an agent signs its streams with; re-derived, never stored. */
export function agentKey(secret: Uint8Array, agentId: string, generation: number): Uint8Array {
  return createHmac("sha256", secret).update(`agent-key|${agentId}|${generation}`).digest();
}
