import { assert, assertEquals } from "../lib/assert.ts";
import { LoginGuard } from "../hub/auth/rate_limit.ts";
import { hashSecret } from "../hub/auth/secrets.ts";
import { pagesApp as setup, PASSWORD } from "./testing.ts";
import { SETUP_KEY } from "../hub/auth/setup_token.ts";

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
  await t.store.settings.set(SETUP_KEY, hashSecret("the-token"));
  assertEquals((await t.request("/setup?token=wrong")).status, 403);
  const weak = await t.post("/setup?token=the-token", { name: "root", password: "short" });
  assertEquals(weak.status, 400);
  assertEquals(await t.store.auth.countUsers(), 0);
  const ok = await t.post("/setup?token=the-token", { name: "root", password: PASSWORD });
  assertEquals(ok.status, 303);
  assert(ok.headers.get("set-cookie")!.includes("HttpOnly"));
  assert(ok.headers.get("set-cookie")!.includes("SameSite=Lax"));
  assertEquals((await t.store.auth.listUsers()).map((u) => [u.name, u.role]), [["root", "admin"]]);
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

Deno.test("wrong passwords sent in parallel are counted as they arrive: 29 at once, 10 get through", async () => {
  await using t = await setup(
    new LoginGuard({
      perAddress: { max: 10, windowMs: 60_000 },
      perName: { max: 100, windowMs: 60_000 },
    }),
  );
  await t.signIn("ann", "admin");
  const answers = await Promise.all(
    Array.from(
      { length: 29 },
      () => t.post("/login", { name: "ann", password: "wrong guess" }, undefined, {}, "10.9.9.9"),
    ),
  );
  const statuses = answers.map((r) => r.status).sort();
  assertEquals(statuses.filter((s) => s === 401).length, 10);
  assertEquals(statuses.filter((s) => s === 429).length, 19);
});

Deno.test("guesses at a name from many addresses do not lock its owner out where they signed in before", async () => {
  await using t = await setup(
    new LoginGuard({
      perAddress: { max: 10, windowMs: 60_000 },
      perName: { max: 5, windowMs: 60_000 },
    }),
  );
  await t.addUser("ann");
  const owner = "10.0.0.1";
  assertEquals(
    (await t.post("/login", { name: "ann", password: PASSWORD }, undefined, {}, owner)).status,
    303,
  );
  // Someone guesses from five addresses, then a sixth is refused for that name…
  for (let i = 0; i < 5; i++) {
    const r = await t.post(
      "/login",
      { name: "ann", password: "guess" },
      undefined,
      {},
      `10.0.1.${i}`,
    );
    assertEquals(r.status, 401);
  }
  const sixth = await t.post(
    "/login",
    { name: "ann", password: PASSWORD },
    undefined,
    {},
    "10.0.1.99",
  );
  assertEquals(sixth.status, 429);
  // …while the owner, from where they signed in before, still gets in.
  assertEquals(
    (await t.post("/login", { name: "ann", password: PASSWORD }, undefined, {}, owner)).status,
    303,
  );
});

Deno.test("after sign-in, next= goes only to a path of this hub, however it is spelled", async () => {
  await using t = await setup();
  await t.addUser("ann");
  for (
    const [next, expected] of [
      ["/hosts/abc?x=1#cpu", "/hosts/abc?x=1#cpu"],
      ["/\t/127.0.0.1:18099/", "/"],
      ["/\n/x", "/"],
      ["//evil.example/", "/"],
      ["/\\evil.example/", "/"],
      ["https://evil.example/", "/"],
      ["/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"],
    ]
  ) {
    const res = await t.post("/login", { name: "ann", password: PASSWORD, next });
    assertEquals(res.status, 303, JSON.stringify(next));
    assertEquals(res.headers.get("location"), expected, JSON.stringify(next));
  }
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
  assertEquals((await t.store.auth.listUsers()).length, 1);
  assertEquals((await t.store.auth.listApiKeys()).length, 0);
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
  assertEquals((await t.store.auth.listApiKeys()).length, 0);
  assertEquals((await t.post("/settings/apikeys", { name: "k" }, cookie)).status, 200);
  assertEquals((await t.store.auth.listApiKeys()).length, 1);
});

Deno.test("an admin adds a host, tags it, and removes it with its data; each step is audited and pushed live", async () => {
  await using t = await setup();
  const fleet = t.broker.subscribe(null);
  const cookie = await t.signIn("ann", "admin");
  const page = await (await t.post("/hosts/new", { name: "web-1" }, cookie)).text();
  assert(page.includes("deno task agent register --hub hub.test:50051 --token sl_reg_"), page);
  const [host] = await t.store.hosts.list();
  assertEquals([host.name, host.registered], ["web-1", false]);

  const bad = await t.post(`/hosts/${host.id}/tags`, { tags: "ok, not ok!" }, cookie);
  assertEquals(bad.status, 400);
  assertEquals(
    (await t.post(`/hosts/${host.id}/tags`, { tags: "Web, eu-west, web" }, cookie)).status,
    303,
  );
  assertEquals((await t.store.hosts.get(host.id))?.tags, ["eu-west", "web"]);
  // The page's tag editor asks for JSON: the saved tags, or the refusal as an error.
  const json = { accept: "application/json" };
  const saved = await t.post(`/hosts/${host.id}/tags`, { tags: "web" }, cookie, json);
  assertEquals(await saved.json(), { id: host.id, tags: ["web"] });
  const refused = await t.post(`/hosts/${host.id}/tags`, { tags: "x y" }, cookie, json);
  assertEquals(refused.status, 400);
  assertEquals((await refused.json()).error.code, "invalid_tag");

  assertEquals((await t.post(`/hosts/${host.id}/delete`, {}, cookie)).status, 303);
  assertEquals(await t.store.hosts.get(host.id), null);
  assertEquals(t.removed, [host.id]);
  const actions = (await t.store.audit.list(10)).map((a) => a.action).reverse();
  assertEquals(actions, ["user.login", "host.create", "host.tags", "host.tags", "host.delete"]);

  // A fleet page open elsewhere heard each change (of the two tag changes, read late, the newest).
  const heard = [];
  for (let i = 0; i < 3; i++) {
    const { id: _, ...e } = (await fleet.events.next()).value;
    heard.push(e);
  }
  fleet.close();
  assertEquals(heard, [
    {
      event: "host.added",
      hostId: host.id,
      data: {
        id: host.id,
        name: "web-1",
        status: "offline",
        registered: false,
        last_seen: null,
        os: "",
        tags: [],
        environment: "unknown",
        agent_version: "",
        cpu_percent: null,
        mem_used_bytes: null,
        mem_total_bytes: null,
        disk_used_percent: null,
        net_rx_bytes_per_s: null,
        net_tx_bytes_per_s: null,
        uptime_s: null,
      },
    },
    { event: "host.changed", hostId: host.id, data: { id: host.id, name: "web-1", tags: ["web"] } },
    { event: "host.removed", hostId: host.id, data: { id: host.id } },
  ]);
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

Deno.test("bodies past 64 KiB are a 413 before sign-in, and unreadable forms a 400, never a 500", async () => {
  await using t = await setup();
  const big = await t.request("/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "name=ann&password=" + "x".repeat(1024 * 1024),
  });
  assertEquals(big.status, 413);
  // Chunked, with no Content-Length to refuse it by.
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 100; i++) c.enqueue(new Uint8Array(10_000).fill(0x61));
      c.close();
    },
  });
  const chunked = await t.request("/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: stream,
  });
  assertEquals(chunked.status, 413);
  for (
    const [type, body] of [
      ["multipart/form-data", "--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--"],
      ["multipart/form-data; boundary=x", "--x\r\ngarbage without headers\r\n\r\n\u0000\u0001"],
      ["multipart/form-data; boundary=x", "not even a boundary"],
    ]
  ) {
    const res = await t.request("/login", {
      method: "POST",
      headers: { "content-type": type },
      body,
    });
    assert(res.status === 400 || res.status === 401, `${type}: ${res.status}`);
    await res.body?.cancel();
  }
});

Deno.test("one name rule at every dashboard entrance: look-alike users, hidden characters in keys and hosts", async () => {
  await using t = await setup();
  const cookie = await t.signIn("admin", "admin");
  const lookalike = await t.post("/settings/users", {
    name: "\u0430dmin", // a Cyrillic а
    password: PASSWORD,
    role: "viewer",
  }, cookie);
  assertEquals(lookalike.status, 400);
  const cased = await t.post("/settings/users", {
    name: "ADM1N",
    password: PASSWORD,
    role: "viewer",
  }, cookie);
  assertEquals(cased.status, 400);
  assert((await cased.text()).includes("a user that looks the same exists: admin"));
  assertEquals(
    (await t.post("/settings/apikeys", { name: "ci\u0000\u001b[2J" }, cookie)).status,
    400,
  );
  assertEquals((await t.post("/hosts/new", { name: "db\u202Egpj" }, cookie)).status, 400);
  assertEquals((await t.post("/hosts/new", { name: "web\u200B01" }, cookie)).status, 400);
  // Nothing of it was stored.
  assertEquals((await t.store.auth.listUsers()).map((u) => u.name), ["admin"]);
  assertEquals((await t.store.auth.listApiKeys()).length, 0);
  assertEquals((await t.store.hosts.list()).length, 0);
});

Deno.test("revoking an API key asks first, then the key stops working", async () => {
  await using t = await setup();
  const cookie = await t.signIn("ann", "admin");
  const page = await (await t.post("/settings/apikeys", { name: "ci" }, cookie)).text();
  const key = /<pre><code>([^<]+)<\/code><\/pre>/.exec(page)![1];
  const bearer = { headers: { authorization: `Bearer ${key}` } };
  assertEquals((await t.request("/api/v1/hosts", bearer)).status, 200);
  const [listed] = await t.store.auth.listApiKeys();
  const settings = await (await t.request("/settings", { cookie })).text();
  assert(settings.includes(`href="/settings/apikeys/${listed.id}/revoke"`), "a link, not a post");

  // The question names the key and changes nothing.
  const ask = await t.request(`/settings/apikeys/${listed.id}/revoke`, { cookie });
  assertEquals(ask.status, 200);
  assert((await ask.text()).includes("Revoke the API key ci?"));
  assertEquals((await t.request("/api/v1/hosts", bearer)).status, 200);
  assertEquals((await t.request("/settings/apikeys/nope/revoke", { cookie })).status, 404);

  assertEquals((await t.post(`/settings/apikeys/${listed.id}/revoke`, {}, cookie)).status, 200);
  assertEquals((await t.request("/api/v1/hosts", bearer)).status, 401);
});

Deno.test("the audit log in Settings names what was changed, a removed host too, and failed sign-ins", async () => {
  await using t = await setup();
  const cookie = await t.signIn("ann", "admin");
  await t.post("/hosts/new", { name: "web-1" }, cookie);
  const [host] = await t.store.hosts.list();
  assertEquals((await t.post(`/hosts/${host.id}/delete`, {}, cookie)).status, 303);
  const failed = await t.post(
    "/login",
    { name: "mallory", password: "guess" },
    undefined,
    {},
    "203.0.113.9",
  );
  assertEquals(failed.status, 401);
  const html = await (await t.request("/settings", { cookie })).text();
  // Each row of the audit table but its time, cell by cell.
  const table = html.slice(html.indexOf('<table class="audit">'));
  const rows = [...table.matchAll(/<tr[^>]*>(<td.*?)<\/tr>/g)].map((row) =>
    [...row[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].slice(1).map((c) => c[1].replace(/<[^>]+>/g, ""))
  );
  assertEquals(rows, [
    ["mallory", "failed to sign in", "", "from 203.0.113.9: no such user"],
    ["ann", "removed host", "web-1", ""],
    ["ann", "added host", "web-1", ""],
    ["ann", "signed in", "", "from 127.0.0.1"],
  ]);
  assert(html.includes(`title="${host.id}"`), "the id stays at hand");
  assert(!html.includes("guess"), "never the password");
});

Deno.test("a host whose agent never connected gets a fresh token from its page; the old one stops working", async () => {
  await using t = await setup();
  const cookie = await t.signIn("ann", "admin");
  const tokenIn = (html: string) => /--token (sl_reg_[\w-]+)/.exec(html)![1];
  const first = tokenIn(await (await t.post("/hosts/new", { name: "web-1" }, cookie)).text());
  const [host] = await t.store.hosts.list();
  const page = await (await t.request(`/hosts/${host.id}`, { cookie })).text();
  assert(page.includes("Its agent has not connected yet"), "the host page says so");
  assert(page.includes(`action="/hosts/${host.id}/token"`), "and offers a new token");

  const renewed = await t.post(`/hosts/${host.id}/token`, {}, cookie);
  assertEquals(renewed.status, 200);
  const second = tokenIn(await renewed.text());
  assert(second !== first);
  const agent = { fallbackName: "h", now: Date.now() };
  assertEquals(await t.store.hosts.register(hashSecret(first), agent), {
    ok: false,
    reason: "unknown",
  });
  assert((await t.store.hosts.register(hashSecret(second), agent)).ok, "the new token works");
  // Once its agent registered, there is no token to renew, and a viewer never may.
  assertEquals((await t.post(`/hosts/${host.id}/token`, {}, cookie)).status, 409);
  const viewer = await t.signIn("vic", "viewer");
  assertEquals((await t.post(`/hosts/${host.id}/token`, {}, viewer)).status, 403);
  const actions = (await t.store.audit.list(10)).map((a) => a.action);
  assertEquals(actions.filter((a) => a === "host.token").length, 1);
});
