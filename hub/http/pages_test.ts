import { assert, assertEquals } from "../../lib/assert.ts";
import { createApp } from "./app.tsx";
import { Broker } from "../live/broker.ts";
import { StatusMirror } from "./status_mirror.ts";
import { SqliteStore } from "../store/sqlite/sqlite_store.ts";
import { FailureLimiter } from "../auth/rate_limit.ts";
import { hashPassword } from "../auth/passwords.ts";
import { hashSecret } from "../auth/secrets.ts";
import { SETUP_KEY } from "../../routes/setup.tsx";

const ORIGIN = "http://hub.test";
const PASSWORD = "a long passphrase";

async function setup() {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/t.db`);
  await store.migrate();
  const removed: string[] = [];
  const app = createApp({
    store,
    broker: new Broker(),
    status: new StatusMirror(),
    loginLimiter: new FailureLimiter(3, 60_000),
    hostRemoved: (id) => removed.push(id),
    agentAddress: (h) => `${h.replace(/:\d+$/, "")}:50051`,
  });
  const request = (path: string, init: RequestInit & { cookie?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set("host", "hub.test");
    if (init.cookie) headers.set("cookie", init.cookie);
    if (init.method === "POST" && !headers.has("origin")) headers.set("origin", ORIGIN);
    return app.request(`${ORIGIN}${path}`, { ...init, headers });
  };
  const post = (
    path: string,
    fields: Record<string, string>,
    cookie?: string,
    headers: HeadersInit = {},
  ) => request(path, { method: "POST", body: new URLSearchParams(fields), cookie, headers });
  const signIn = async (name: string, role: "admin" | "viewer") => {
    await store.createUser({
      id: crypto.randomUUID(),
      name,
      passwordHash: await hashPassword(PASSWORD),
      role,
      createdAt: 0,
    });
    const res = await post("/login", { name, password: PASSWORD });
    assertEquals(res.status, 303);
    return res.headers.get("set-cookie")!.split(";")[0];
  };
  return {
    store,
    removed,
    request,
    post,
    signIn,
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("pages send signed-out visitors to /login and carry strict security headers", async () => {
  await using t = await setup();
  const res = await t.request("/hosts/abc?x=1");
  assertEquals(res.status, 302);
  assertEquals(res.headers.get("location"), "/login?next=%2Fhosts%2Fabc%3Fx%3D1");
  const login = await t.request("/login");
  const csp = login.headers.get("content-security-policy")!;
  assert(csp.includes("script-src 'self'") && !csp.includes("unsafe-inline"), csp);
  assertEquals(login.headers.get("x-content-type-options"), "nosniff");
  assertEquals(login.headers.get("x-frame-options"), "DENY");
});

Deno.test("/setup creates the first admin only with the printed token, once", async () => {
  await using t = await setup();
  await t.store.setSetting(SETUP_KEY, hashSecret("the-token"));
  assertEquals((await t.request("/setup?token=wrong")).status, 403);
  const weak = await t.post("/setup?token=the-token", { name: "root", password: "short" });
  assertEquals(weak.status, 400);
  assertEquals(await t.store.countUsers(), 0);
  const ok = await t.post("/setup?token=the-token", { name: "root", password: PASSWORD });
  assertEquals(ok.status, 303);
  assert(ok.headers.get("set-cookie")!.includes("HttpOnly"));
  assert(ok.headers.get("set-cookie")!.includes("SameSite=Lax"));
  assertEquals((await t.store.listUsers()).map((u) => [u.name, u.role]), [["root", "admin"]]);
  assertEquals((await t.request("/setup?token=the-token")).status, 404);
});

Deno.test("POST /login is rate-limited per name and per address", async () => {
  await using t = await setup();
  await t.signIn("ann", "admin");
  for (let i = 0; i < 3; i++) {
    assertEquals((await t.post("/login", { name: "ann", password: "nope nope nope" })).status, 401);
  }
  const limited = await t.post("/login", { name: "ann", password: PASSWORD });
  assertEquals(limited.status, 429);
  assert(Number(limited.headers.get("retry-after")) > 0);
});

Deno.test("a viewer may look but gets 403 on every mutation", async () => {
  await using t = await setup();
  const cookie = await t.signIn("vic", "viewer");
  assertEquals((await t.request("/", { cookie })).status, 200);
  for (
    const [path, fields] of [
      ["/hosts/new", { name: "x" }],
      ["/settings/apikeys", { name: "k" }],
      ["/settings/users", { name: "eve", password: PASSWORD, role: "admin" }],
    ] as const
  ) {
    assertEquals((await t.post(path, fields, cookie)).status, 403, path);
  }
  assertEquals((await t.store.listUsers()).length, 1);
  assertEquals((await t.store.listApiKeys()).length, 0);
});

Deno.test("a mutation from another origin is refused, even for an admin", async () => {
  await using t = await setup();
  const cookie = await t.signIn("ann", "admin");
  const forged = await t.post("/settings/apikeys", { name: "k" }, cookie, {
    origin: "https://evil.example",
  });
  assertEquals(forged.status, 403);
  const noOrigin = await t.request("/settings/apikeys", {
    method: "POST",
    body: new URLSearchParams({ name: "k" }),
    cookie,
    headers: { origin: "" },
  });
  assertEquals(noOrigin.status, 403);
  assertEquals((await t.store.listApiKeys()).length, 0);
  assertEquals((await t.post("/settings/apikeys", { name: "k" }, cookie)).status, 200);
  assertEquals((await t.store.listApiKeys()).length, 1);
});

Deno.test("an admin adds a host, tags it, and removes it with its data; each step is audited", async () => {
  await using t = await setup();
  const cookie = await t.signIn("ann", "admin");
  const page = await (await t.post("/hosts/new", { name: "web-1" }, cookie)).text();
  assert(page.includes("deno task agent register --hub hub.test:50051 --token sl_reg_"), page);
  const [host] = await t.store.listHosts();
  assertEquals([host.name, host.registered], ["web-1", false]);

  const bad = await t.post(`/hosts/${host.id}/tags`, { tags: "ok, not ok!" }, cookie);
  assertEquals(bad.status, 400);
  assertEquals(
    (await t.post(`/hosts/${host.id}/tags`, { tags: "Web, eu-west, web" }, cookie)).status,
    303,
  );
  assertEquals((await t.store.getHost(host.id))?.tags, ["eu-west", "web"]);

  assertEquals((await t.post(`/hosts/${host.id}/delete`, {}, cookie)).status, 303);
  assertEquals(await t.store.getHost(host.id), null);
  assertEquals(t.removed, [host.id]);
  const actions = (await t.store.listAudit(10)).map((a) => a.action).reverse();
  assertEquals(actions, ["user.login", "host.create", "host.tags", "host.delete"]);
});

Deno.test("changing your password signs out your other sessions", async () => {
  await using t = await setup();
  const first = await t.signIn("ann", "admin");
  const second =
    (await t.post("/login", { name: "ann", password: PASSWORD })).headers.get("set-cookie")!.split(
      ";",
    )[0];
  const res = await t.post("/settings/password", {
    current: PASSWORD,
    password: "another long one",
  }, second);
  assertEquals(res.status, 200);
  assertEquals((await t.request("/", { cookie: first })).status, 302);
  assertEquals((await t.request("/", { cookie: second })).status, 200);
});

Deno.test("the session cookie also opens the REST API and its events", async () => {
  await using t = await setup();
  const cookie = await t.signIn("ann", "viewer");
  assertEquals((await t.request("/api/v1/hosts", { cookie })).status, 200);
  assertEquals((await t.request("/api/v1/hosts")).status, 401);
});
