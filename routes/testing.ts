/**
 * What the API route tests share: a hub app on a store, with an API key and
 * one registered host, `h1` ("web-1"), as the REST API sees them.
 */
import { createHubApp } from "./mod.tsx";
import { liveParts } from "../hub/live/events.ts";
import { hashSecret } from "../hub/auth/secrets.ts";
import type { Store } from "../hub/store/store.ts";

const KEY = "sl_key_" + "a".repeat(32);
/** The headers that carry the test API key. */
export const AUTH = { authorization: `Bearer ${KEY}` };

/** Migrates `store`, adds the key and host h1, and mounts the app on it with live parts. */
export async function apiApp(store: Store) {
  await store.migrate();
  await store.createApiKey({ id: "k", name: "test", hash: hashSecret(KEY), createdAt: 0 });
  await store.createHostWithToken({
    hostId: "h1",
    name: "web-1",
    tokenHash: "t",
    createdAt: 0,
    expiresAt: Date.now() + 1e6,
  });
  await store.registerHost("t", { fallbackName: "x", now: Date.now() });
  const { broker, status, live } = liveParts();
  const app = createHubApp({ store, broker, status, live, keepAliveMs: 50 });
  return { app, broker, status };
}
