/**
 * Action grants (issue 20): what an operator signs to let one host run one
 * action once, shared by the browser that signs (islands/), the agent that
 * verifies (agent/actions/) and the tests. WebCrypto only, so it runs in both.
 *
 * A grant is a small JSON object, sent as the exact bytes that were signed:
 * the agent verifies the Ed25519 signature over those bytes with a key it
 * pinned before it reads a single field, so no canonical JSON is needed for
 * the grant itself. The parameters are bound by a hash of their canonical
 * form (sorted `[name, value]` pairs), which the agent recomputes from what
 * the request carries.
 */

/** The longest a grant may live, from its issue to its expiry. */
export const GRANT_MAX_TTL_MS = 60_000;
/** Clock skew allowed between the signer's clock and the host's. */
export const GRANT_SKEW_MS = 5_000;

/** The fields of a grant (version 1). */
export interface Grant {
  v: 1;
  /** The agent (host) id it is for. */
  agent: string;
  action: string;
  /** SHA-256, hex, of {@link canonicalParams}. */
  params: string;
  /** Random, base64url; the agent runs each nonce once. */
  nonce: string;
  /** Issued and expires, unix ms. */
  iat: number;
  exp: number;
}

/** A request's parameters as text, by name. */
export type Params = Record<string, string>;

/** The one text a set of parameters hashes as: its pairs sorted by name. */
export function canonicalParams(params: Params): string {
  return JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The hash a grant names its parameters by. */
export async function paramsHash(params: Params): Promise<string> {
  const data = new TextEncoder().encode(canonicalParams(params));
  return hex(await crypto.subtle.digest("SHA-256", data));
}

/** Base64url without padding (what nonces and keys are written in). */
export function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Standard or url-safe base64, padded or not; null when it is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return null;
  try {
    const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/").replace(/=+$/, ""));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** How an operator key is written where it is pinned: `ed25519:` and its 32 bytes, base64url. */
export function encodeKey(raw: Uint8Array): string {
  return `ed25519:${base64url(raw)}`;
}

/** The 32 bytes of a key written as {@link encodeKey} does; null for anything else. */
export function decodeKey(text: string): Uint8Array | null {
  const m = /^ed25519:([A-Za-z0-9_-]{43})$/.exec(text.trim());
  const raw = m ? fromBase64(m[1]) : null;
  return raw?.length === 32 ? raw : null;
}

/** A short name for a key, shown beside it on the hub and logged by the agent. */
export async function keyFingerprint(raw: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", raw as Uint8Array<ArrayBuffer>);
  return `SHA256:${base64url(new Uint8Array(digest)).slice(0, 16)}`;
}

/** The bytes of a grant, as signed. */
export function encodeGrant(g: Grant): Uint8Array<ArrayBuffer> {
  const { v, agent, action, params, nonce, iat, exp } = g;
  return new TextEncoder().encode(JSON.stringify({ v, agent, action, params, nonce, iat, exp }));
}

/** The fields of signed grant bytes, or why they are not a grant. */
export function parseGrant(bytes: Uint8Array): Grant | string {
  let g: unknown;
  try {
    g = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return "the grant is not JSON";
  }
  if (typeof g !== "object" || g === null || Array.isArray(g)) return "the grant is not an object";
  const o = g as Record<string, unknown>;
  if (o.v !== 1) return "the grant's version is not 1";
  for (const f of ["agent", "action", "params", "nonce"]) {
    if (
      typeof o[f] !== "string" || (o[f] as string).length === 0 || (o[f] as string).length > 256
    ) {
      return `the grant's ${f} is not a short text`;
    }
  }
  for (const f of ["iat", "exp"]) {
    if (!Number.isSafeInteger(o[f]) || (o[f] as number) <= 0) {
      return `the grant's ${f} is not a time`;
    }
  }
  return o as unknown as Grant;
}

/** What a browser (or a CLI) sends with a request: the grant bytes and their signature, base64. */
export interface SignedGrant {
  grant: string;
  signature: string;
}

/** Signs a grant for `agent` to run `action` with `params` once, within `ttlMs` of `now`. */
export async function signGrant(
  privateKey: CryptoKey,
  req: { agent: string; action: string; params: Params },
  now = Date.now(),
  ttlMs = 30_000,
): Promise<SignedGrant> {
  const grant = encodeGrant({
    v: 1,
    agent: req.agent,
    action: req.action,
    params: await paramsHash(req.params),
    nonce: base64url(crypto.getRandomValues(new Uint8Array(16))),
    iat: now,
    exp: now + ttlMs,
  });
  const signature = new Uint8Array(
    await crypto.subtle.sign({ name: "Ed25519" }, privateKey, grant),
  );
  return { grant: base64url(grant), signature: base64url(signature) };
}
