/**
 * HMAC authentication of the agent's Connect stream, shared by both ends:
 * the agent signs `agent_id|timestamp|nonce` with its key, the hub checks the
 * signature, a ±5 min clock window and that the nonce was never seen before.
 */
import { Buffer } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The metadata keys carried on every Connect call. */
export const AUTH_KEYS = {
  agentId: "x-sightline-agent-id",
  timestamp: "x-sightline-timestamp",
  nonce: "x-sightline-nonce",
  signature: "x-sightline-signature",
} as const;

/** How far an agent's clock may be from the hub's. */
export const MAX_SKEW_MS = 5 * 60_000;

/** What the agent puts in the stream's metadata. */
export interface StreamCredentials {
  agentId: string;
  timestamp: string;
  nonce: string;
  signature: string;
}

function mac(key: Uint8Array, agentId: string, timestamp: string, nonce: string): Buffer {
  return createHmac("sha256", key).update(`${agentId}|${timestamp}|${nonce}`).digest();
}

/** Signs a new stream for `agentId` at `now`. */
export function signStream(agentId: string, key: Uint8Array, now = Date.now()): StreamCredentials {
  const timestamp = String(now);
  const nonce = randomBytes(16).toString("hex");
  const signature = mac(key, agentId, timestamp, nonce).toString("hex");
  return { agentId, timestamp, nonce, signature };
}

/** The call metadata that carries `creds`; a field left out is not sent. */
export function authMetadata(creds: Partial<StreamCredentials>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const field of Object.keys(AUTH_KEYS) as Array<keyof StreamCredentials>) {
    const value = creds[field];
    if (value) metadata[AUTH_KEYS[field]] = value;
  }
  return metadata;
}

/** Why a stream was refused; never sent to the agent in detail. */
export type AuthFailure =
  | "missing"
  | "malformed"
  | "unknown_agent"
  | "skew"
  | "replay"
  | "bad_signature";

/**
 * Remembers nonces for as long as their timestamp is inside the window, so a
 * captured handshake cannot be replayed. Bounded by the window, not by count.
 */
export class NonceCache {
  #seen = new Map<string, number>();

  /** Records `nonce`; false when it was already seen. */
  remember(nonce: string, timestampMs: number, now: number): boolean {
    this.#prune(now);
    if (this.#seen.has(nonce)) return false;
    this.#seen.set(nonce, timestampMs);
    return true;
  }

  #prune(now: number) {
    for (const [nonce, ts] of this.#seen) {
      if (Math.abs(now - ts) > MAX_SKEW_MS) this.#seen.delete(nonce);
      else if (this.#seen.size < 10_000) break; // insertion order ≈ time order
    }
  }
}

/**
 * Checks `creds` against `keyFor(agentId)`; returns the agent id or why it
 * failed. The signature is checked before the nonce is remembered, so an
 * attacker cannot burn nonces.
 */
export async function verifyStream(
  creds: Partial<StreamCredentials>,
  keyFor: (agentId: string) => Promise<Uint8Array | undefined> | Uint8Array | undefined,
  nonces: { remember(nonce: string, timestampMs: number, now: number): boolean | Promise<boolean> },
  now = Date.now(),
): Promise<{ ok: true; agentId: string } | { ok: false; reason: AuthFailure }> {
  const { agentId, timestamp, nonce, signature } = creds;
  if (!agentId || !timestamp || !nonce || !signature) return { ok: false, reason: "missing" };
  if (
    !/^\d{1,16}$/.test(timestamp) || !/^[0-9a-f]{16,128}$/.test(nonce) ||
    !/^[0-9a-f]{64}$/.test(signature) || agentId.length > 128
  ) return { ok: false, reason: "malformed" };
  const ts = Number(timestamp);
  if (Math.abs(now - ts) > MAX_SKEW_MS) return { ok: false, reason: "skew" };
  const key = await keyFor(agentId);
  if (!key) return { ok: false, reason: "unknown_agent" };
  const expected = mac(key, agentId, timestamp, nonce);
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
    return { ok: false, reason: "bad_signature" };
  }
  if (!(await nonces.remember(nonce, ts, now))) return { ok: false, reason: "replay" };
  return { ok: true, agentId };
}
