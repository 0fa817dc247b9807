/**
 * What the API route tests share: a hub app on a store, with an API key and
 * one registered host, `h1` ("web-1"), as the REST API sees them.
 */
import { createHubApp } from "./mod.tsx";
import { liveParts } from "../hub/live/events.ts";
import { hashSecret } from "../hub/auth/secrets.ts";
import type { Store } from "../hub/store/store.ts";
import type { AppDeps } from "../hub/http/deps.ts";
import { Sealer } from "../hub/notify/sealed.ts";

const KEY = "sl_key_" + "a".repeat(32);
/** The headers that carry the test API key. */
export const AUTH = { authorization: `Bearer ${KEY}` };

/**
 * Migrates `store`, adds the key and host h1, and mounts the app on it with
 * live parts and any `deps` given (a sign-in guard, say).
 */
export async function apiApp(store: Store, deps: Partial<AppDeps> = {}) {
  await store.migrate();
  await store.auth.createApiKey({ id: "k", name: "test", hash: hashSecret(KEY), createdAt: 0 });
  await store.hosts.create({
    hostId: "h1",
    name: "web-1",
    tokenHash: "t",
    createdAt: 0,
    expiresAt: Date.now() + 1e6,
  });
  await store.hosts.register("t", { fallbackName: "x", now: Date.now() });
  const { broker, status, live } = liveParts();
  const sealer = await Sealer.of(crypto.getRandomValues(new Uint8Array(32)));
  const app = createHubApp({ store, broker, status, live, keepAliveMs: 50, sealer, ...deps });
  return { app, broker, status };
}
