import { assertEquals } from "./assert.ts";
import { MAX_SKEW_MS, NonceCache, signStream, verifyStream } from "./stream_auth.ts";

const KEY = new Uint8Array(32).fill(7);
const keyFor = (id: string) => (id === "agent-1" ? KEY : undefined);
const NOW = 1_800_000_000_000;

Deno.test("verifyStream() accepts a fresh, correctly signed stream", async () => {
  const creds = signStream("agent-1", KEY, NOW);
  assertEquals(await verifyStream(creds, keyFor, new NonceCache(), NOW + 1000), {
    ok: true,
    agentId: "agent-1",
  });
});

Deno.test("verifyStream() refuses a signature made with another key", async () => {
  const creds = signStream("agent-1", new Uint8Array(32).fill(8), NOW);
  assertEquals(await verifyStream(creds, keyFor, new NonceCache(), NOW), {
    ok: false,
    reason: "bad_signature",
  });
});

Deno.test("verifyStream() refuses a timestamp outside ±5 minutes", async () => {
  const old = signStream("agent-1", KEY, NOW - MAX_SKEW_MS - 1);
  assertEquals(await verifyStream(old, keyFor, new NonceCache(), NOW), {
    ok: false,
    reason: "skew",
  });
  const future = signStream("agent-1", KEY, NOW + MAX_SKEW_MS + 1);
  assertEquals(await verifyStream(future, keyFor, new NonceCache(), NOW), {
    ok: false,
    reason: "skew",
  });
});

Deno.test("verifyStream() refuses a nonce seen before", async () => {
  const nonces = new NonceCache();
  const creds = signStream("agent-1", KEY, NOW);
  assertEquals((await verifyStream(creds, keyFor, nonces, NOW)).ok, true);
  assertEquals(await verifyStream(creds, keyFor, nonces, NOW + 10), {
    ok: false,
    reason: "replay",
  });
});

Deno.test("verifyStream() refuses an unknown agent, missing and malformed fields", async () => {
  const nonces = new NonceCache();
  const creds = signStream("agent-2", KEY, NOW);
  assertEquals(await verifyStream(creds, keyFor, nonces, NOW), {
    ok: false,
    reason: "unknown_agent",
  });
  assertEquals(await verifyStream({ agentId: "agent-1" }, keyFor, nonces, NOW), {
    ok: false,
    reason: "missing",
  });
  const bad = { ...signStream("agent-1", KEY, NOW), signature: "zz" };
  assertEquals(await verifyStream(bad, keyFor, nonces, NOW), { ok: false, reason: "malformed" });
});

Deno.test("verifyStream() does not burn a nonce on a bad signature", async () => {
  const nonces = new NonceCache();
  const good = signStream("agent-1", KEY, NOW);
  const forged = { ...good, signature: "0".repeat(64) };
  assertEquals((await verifyStream(forged, keyFor, nonces, NOW)).ok, false);
  assertEquals((await verifyStream(good, keyFor, nonces, NOW)).ok, true);
});
