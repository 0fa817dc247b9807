/**
 * The agent's check of a grant (issue 20), in this order: the signature over
 * the grant's exact bytes by a pinned operator key, then what it says (this
 * agent, this action, these parameters, not expired, at most 60 s long),
 * then its nonce, which is remembered in Deno KV until the grant expires, so
 * a grant runs once even across an agent restart. Anything else is refused
 * with the reason, and nothing runs.
 */
import {
  GRANT_MAX_TTL_MS,
  GRANT_SKEW_MS,
  type Params,
  paramsHash,
  parseGrant,
} from "../../lib/actions/grant.ts";

/** A pinned key, ready to verify with. */
export interface OperatorKey {
  key: CryptoKey;
  fingerprint: string;
}

/** What a request carries of its grant. */
export interface GrantedRequest {
  action: string;
  params: Params;
  grant: Uint8Array;
  signature: Uint8Array;
}

/** The outcome of a check: the key that signed and the nonce, or why it was refused. */
export type GrantCheck =
  | { ok: true; fingerprint: string; nonce: string; exp: number }
  | { ok: false; reason: string; nonce?: string };

/** The nonces already used, kept until their grants expire. */
export class NonceStore {
  constructor(private kv: Deno.Kv) {}

  /** Claims `nonce` until `exp`; false when it was claimed before (a replay). */
  async claim(nonce: string, exp: number, now: number): Promise<boolean> {
    const key = ["action-nonce", nonce];
    const seen = await this.kv.get<number>(key);
    // KV's expireIn deletes lazily: a record is a replay whatever its age, since
    // the grant it came with is expired by then anyway.
    if (seen.value !== null) return false;
    const r = await this.kv.atomic().check(seen).set(key, exp, {
      expireIn: Math.max(1000, exp - now + GRANT_SKEW_MS),
    }).commit();
    return r.ok;
  }
}

/** Imports raw Ed25519 public keys for verifying. */
export function importKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    raw as Uint8Array<ArrayBuffer>,
    { name: "Ed25519" },
    false,
    ["verify"],
  );
}

/** Checks `req`'s grant for agent `agentId`; claims its nonce when everything else holds. */
export async function checkGrant(
  req: GrantedRequest,
  ctx: { agentId: string; keys: OperatorKey[]; nonces: NonceStore; now?: number },
): Promise<GrantCheck> {
  const now = ctx.now ?? Date.now();
  if (ctx.keys.length === 0) return { ok: false, reason: "no operator key is pinned on this host" };
  if (req.signature.length !== 64) return { ok: false, reason: "the request carries no signature" };
  let signer: OperatorKey | undefined;
  for (const k of ctx.keys) {
    const good = await crypto.subtle.verify(
      { name: "Ed25519" },
      k.key,
      req.signature as Uint8Array<ArrayBuffer>,
      req.grant as Uint8Array<ArrayBuffer>,
    );
    if (good) {
      signer = k;
      break;
    }
  }
  if (!signer) {
    return { ok: false, reason: "the grant is not signed by an operator key pinned on this host" };
  }
  const g = parseGrant(req.grant);
  if (typeof g === "string") return { ok: false, reason: g };
  const refuse = (reason: string): GrantCheck => ({ ok: false, reason, nonce: g.nonce });
  if (g.agent !== ctx.agentId) return refuse("the grant is for another host");
  if (g.action !== req.action) return refuse("the grant is for another action");
  if (g.params !== await paramsHash(req.params)) {
    return refuse("the parameters are not those the grant was signed for");
  }
  if (g.exp - g.iat > GRANT_MAX_TTL_MS || g.exp < g.iat) {
    return refuse(`the grant lives longer than ${GRANT_MAX_TTL_MS / 1000} s`);
  }
  if (now >= g.exp) return refuse("the grant has expired");
  if (g.iat > now + GRANT_SKEW_MS) return refuse("the grant is issued in the future");
  if (!(await ctx.nonces.claim(g.nonce, g.exp, now))) {
    return refuse("the grant was used before (replayed)");
  }
  return { ok: true, fingerprint: signer.fingerprint, nonce: g.nonce, exp: g.exp };
}
