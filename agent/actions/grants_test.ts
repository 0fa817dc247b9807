/**
 * The agent's grant check, on a real Deno KV: a grant signed by a pinned key
 * for this agent, this action and these parameters runs once; every other
 * grant is refused with its reason.
 */
import { assert, assertEquals } from "../../lib/assert.ts";
import {
  encodeGrant,
  fromBase64,
  keyFingerprint,
  paramsHash,
  signGrant,
} from "../../lib/actions/grant.ts";
import { checkGrant, type GrantedRequest, importKey, NonceStore } from "./grants.ts";

async function keyPair() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { pair, pinned: { key: await importKey(raw), fingerprint: await keyFingerprint(raw) } };
}

Deno.test("a grant runs once, for its agent, action and parameters, before it expires", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/kv`);
  try {
    const op = await keyPair();
    const other = await keyPair();
    const nonces = new NonceStore(kv);
    const ctx = { agentId: "agent-1", keys: [op.pinned], nonces };
    const now = Date.now();
    const params = { container: "web-1" };
    const request = async (
      signer: CryptoKey,
      over: Partial<{ agent: string; action: string; params: Record<string, string> }> = {},
      at = now,
      ttl = 30_000,
    ): Promise<GrantedRequest> => {
      const g = await signGrant(
        signer,
        {
          agent: over.agent ?? "agent-1",
          action: over.action ?? "restart-web",
          params: over.params ?? params,
        },
        at,
        ttl,
      );
      return {
        action: "restart-web",
        params,
        grant: fromBase64(g.grant)!,
        signature: fromBase64(g.signature)!,
      };
    };
    const reason = async (req: GrantedRequest, c = ctx) => {
      const r = await checkGrant(req, c);
      return r.ok ? "ok" : r.reason;
    };

    const good = await request(op.pair.privateKey);
    const first = await checkGrant(good, ctx);
    assert(first.ok, JSON.stringify(first));
    assertEquals(first.fingerprint, op.pinned.fingerprint);
    assertEquals(await reason(good), "the grant was used before (replayed)");

    assertEquals(
      await reason(await request(other.pair.privateKey)),
      "the grant is not signed by an operator key pinned on this host",
    );
    assertEquals(
      await reason(await request(op.pair.privateKey), { ...ctx, keys: [] }),
      "no operator key is pinned on this host",
    );
    assertEquals(
      await reason(await request(op.pair.privateKey, { agent: "agent-2" })),
      "the grant is for another host",
    );
    assertEquals(
      await reason(await request(op.pair.privateKey, { action: "stop-db" })),
      "the grant is for another action",
    );
    assertEquals(
      await reason(await request(op.pair.privateKey, { params: { container: "web-2" } })),
      "the parameters are not those the grant was signed for",
    );
    assertEquals(
      await reason(await request(op.pair.privateKey, {}, now - 31_000)),
      "the grant has expired",
    );
    assertEquals(
      await reason(await request(op.pair.privateKey, {}, now, 61_000)),
      "the grant lives longer than 60 s",
    );
    assertEquals(
      await reason(await request(op.pair.privateKey, {}, now + 20_000)),
      "the grant is issued in the future",
    );

    // A good signature over bytes that are no grant, and a request without one.
    const junk = new TextEncoder().encode("restart everything");
    const sig = new Uint8Array(
      await crypto.subtle.sign({ name: "Ed25519" }, op.pair.privateKey, junk),
    );
    assertEquals(
      await reason({ action: "restart-web", params, grant: junk, signature: sig }),
      "the grant is not JSON",
    );
    assertEquals(
      await reason({ ...good, signature: new Uint8Array() }),
      "the request carries no signature",
    );
    // A signature is over the bytes: the same grant re-encoded with another expiry fails.
    const g = JSON.parse(new TextDecoder().decode(good.grant));
    const stretched = encodeGrant({ ...g, exp: g.exp + 5_000 });
    assertEquals(
      await reason({ ...good, grant: stretched }),
      "the grant is not signed by an operator key pinned on this host",
    );
    assertEquals(g.params, await paramsHash(params));
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a nonce is remembered across a reopened store (an agent restart)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const now = Date.now();
    let kv = await Deno.openKv(`${dir}/kv`);
    assert(await new NonceStore(kv).claim("n1", now + 30_000, now));
    kv.close();
    kv = await Deno.openKv(`${dir}/kv`);
    assertEquals(await new NonceStore(kv).claim("n1", now + 30_000, now), false);
    assert(await new NonceStore(kv).claim("n2", now + 30_000, now));
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
