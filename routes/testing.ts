/**
 * What the route tests share: a hub app on a store, with an API key and
 * one registered host, `h1` ("web-1"), as the REST API sees them; and the
 * pages as a signed-in browser sees them.
 */
import { createHubApp } from "./mod.tsx";
import { liveParts } from "../hub/live/events.ts";
import { hashSecret } from "../hub/auth/secrets.ts";
import type { Store } from "../hub/store/store.ts";
import type { AppDeps } from "../hub/http/deps.ts";
import { SqliteStore } from "../hub/store/sqlite/store.ts";
import { LoginGuard } from "../hub/auth/rate_limit.ts";
import { hashPassword } from "../hub/auth/passwords.ts";
import { assertEquals } from "../lib/assert.ts";
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
  return { app, broker, status, live };
}

const ORIGIN = "http://hub.test";
/** Every test user's password in {@link pagesApp}. */
export const PASSWORD = "a long passphrase";

/**
 * The hub's pages as a browser reaches them, without a port: a fresh SQLite
 * store, requests from a same-origin page (a cookie, an address), and users
 * added and signed in. A sign-in guard of three tries unless one is given.
 */
export async function pagesApp(
  loginGuard = new LoginGuard({
    perAddress: { max: 3, windowMs: 60_000 },
    perName: { max: 3, windowMs: 60_000 },
  }),
) {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/t.db`);
  await store.migrate();
  const removed: string[] = [];
  const live = liveParts();
  const app = createHubApp({
    store,
    ...live,
    loginGuard,
    hostRemoved: (id) => removed.push(id),
    agentAddress: (h) => `${h.replace(/:\d+$/, "")}:50051`,
  });
  const request = (
    path: string,
    init: RequestInit & { cookie?: string; ip?: string } = {},
  ) => {
    const headers = new Headers(init.headers);
    headers.set("host", "hub.test");
    if (init.cookie) headers.set("cookie", init.cookie);
    if (init.method === "POST" && !headers.has("origin")) headers.set("origin", ORIGIN);
    // The peer address, as Deno.serve hands it to the app.
    const env = { remoteAddr: { hostname: init.ip ?? "127.0.0.1" } };
    return app.request(`${ORIGIN}${path}`, { ...init, headers }, env);
  };
  const post = (
    path: string,
    fields: Record<string, string>,
    cookie?: string,
    headers: HeadersInit = {},
    ip?: string,
  ) => request(path, { method: "POST", body: new URLSearchParams(fields), cookie, headers, ip });
  const addUser = async (name: string, role: "admin" | "viewer" = "admin") =>
    await store.auth.createUser({
      id: crypto.randomUUID(),
      name,
      passwordHash: await hashPassword(PASSWORD),
      role,
      createdAt: 0,
    });
  const signIn = async (name: string, role: "admin" | "viewer") => {
    await addUser(name, role);
    const res = await post("/login", { name, password: PASSWORD });
    assertEquals(res.status, 303);
    return res.headers.get("set-cookie")!.split(";")[0];
  };
  return {
    store,
    broker: live.broker,
    removed,
    request,
    post,
    addUser,
    signIn,
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
