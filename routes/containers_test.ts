/**
 * The containers API and pages on a store holding one host's list: the
 * contract's shapes, the fleet filter and its refusals, and the pages as a
 * signed-in browser gets them.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { SqliteStore } from "../hub/store/sqlite/store.ts";
import type { Store } from "../hub/store/store.ts";
import { apiApp, AUTH, pagesApp } from "./testing.ts";

const ID = (c: string) => c.repeat(64);

async function seed(store: Store) {
  await store.containers.record("h1", {
    seq: 1,
    ts: Date.UTC(2026, 0, 1),
    listed: true,
    engine: "docker 27.0",
    containers: [
      {
        id: ID("a"),
        name: "web",
        image: "nginx:1.27",
        state: "running",
        health: "healthy",
        restarts: 1,
        cpu_percent: 42.5,
        mem_bytes: 1_048_576,
        created_at: Date.UTC(2025, 11, 31),
        started_at: Date.UTC(2026, 0, 1) - 60_000,
      },
      {
        id: ID("b"),
        name: "batch_job",
        image: "busybox",
        state: "exited",
        health: "",
        restarts: 0,
        cpu_percent: null,
        mem_bytes: null,
        created_at: null,
        started_at: null,
      },
    ],
    events: [],
  });
}

async function setup() {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/t.db`);
  const t = await apiApp(store);
  await seed(store);
  const get = async (path: string) => {
    const res = await t.app.request(path, { headers: AUTH });
    return { status: res.status, body: await res.json(), headers: res.headers };
  };
  return {
    get,
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A viewer signed in (their cookie), and a registered host `id` named `name`. */
async function withHost(t: Awaited<ReturnType<typeof pagesApp>>, id: string, name: string) {
  const cookie = await t.signIn("ann", "viewer");
  await t.store.hosts.create({
    hostId: id,
    name,
    tokenHash: `token-${id}`,
    createdAt: 0,
    expiresAt: Date.now() + 1e6,
  });
  await t.store.hosts.register(`token-${id}`, { fallbackName: "x", now: Date.now() });
  return cookie;
}

Deno.test("GET /api/v1/hosts/:id/containers answers the contract's fields; 404 for no such host", async () => {
  await using t = await setup();
  const { status, body } = await t.get("/api/v1/hosts/h1/containers");
  assertEquals(status, 200);
  assertEquals(body.map((c: { name: string }) => c.name), ["batch_job", "web"]);
  const web = body[1];
  for (
    const k of [
      "id",
      "name",
      "image",
      "state",
      "health",
      "restarts",
      "cpu_percent",
      "mem_bytes",
      "started_at",
    ]
  ) assert(k in web, k);
  assertEquals([web.cpu_percent, web.mem_bytes, web.restarts, web.health], [
    42.5,
    1_048_576,
    1,
    "healthy",
  ]);
  assertEquals(web.started_at, "2025-12-31T23:59:00.000Z");
  assertEquals(body[0].started_at, null);
  const missing = await t.get("/api/v1/hosts/nope/containers");
  assertEquals([missing.status, missing.body.error.code], [404, "not_found"]);
});

Deno.test("GET /api/v1/containers filters by name or image and by state; a bad filter is a 400", async () => {
  await using t = await setup();
  const names = async (q: string) =>
    (await t.get(`/api/v1/containers${q}`)).body.map((c: { name: string }) => c.name);
  assertEquals(await names(""), ["batch_job", "web"]);
  assertEquals(await names("?name=NGINX"), ["web"]);
  assertEquals(await names("?state=exited"), ["batch_job"]);
  assertEquals(await names("?name=web&state=exited"), []);
  const [one] = (await t.get("/api/v1/containers?name=web")).body;
  assertEquals(one.host, { id: "h1", name: "web-1" });
  const bad = await t.get("/api/v1/containers?state=asleep");
  assertEquals([bad.status, bad.body.error.code], [400, "invalid_query"]);
  const long = await t.get(`/api/v1/containers?name=${"x".repeat(200)}`);
  assertEquals(long.status, 400);
  for (const limit of ["0", "5001", "2.5", "many"]) {
    assertEquals((await t.get(`/api/v1/containers?limit=${limit}`)).status, 400, limit);
  }
});

Deno.test("GET /api/v1/containers cut at its limit says so, and how many there are", async () => {
  await using t = await setup();
  const cut = await t.get("/api/v1/containers?limit=1");
  assertEquals(cut.body.map((c: { name: string }) => c.name), ["batch_job"]);
  assertEquals(cut.headers.get("sightline-truncated"), "true");
  assertEquals(cut.headers.get("sightline-total"), "2");
  const whole = await t.get("/api/v1/containers");
  assertEquals([whole.headers.get("sightline-truncated"), whole.headers.get("sightline-total")], [
    null,
    "2",
  ]);
});

Deno.test("the Containers tab and the fleet's Containers page list the containers", async () => {
  await using t = await pagesApp();
  const cookie = await withHost(t, "h1", "web-1");
  await seed(t.store);
  const tab = await t.request("/hosts/h1/containers", { cookie });
  assertEquals(tab.status, 200);
  const html = await tab.text();
  assert(html.includes('data-container="web"') && html.includes("nginx:1.27"), "the table");
  assert(html.includes('href="/hosts/h1/containers"'), "the tab bar links the tab");
  assert(html.includes("CPU (% of one core)"), "the per-container charts");
  const fleet = await (await t.request("/containers?state=running", { cookie })).text();
  assert(fleet.includes('data-container="web"') && !fleet.includes('data-container="batch_job"'));
  assertEquals((await t.request("/containers?state=asleep", { cookie })).status, 400);
  assertEquals((await t.request("/hosts/nope/containers", { cookie })).status, 404);
});

Deno.test("a host without an engine has no containers and says so, with no error", async () => {
  await using t = await pagesApp();
  const cookie = await withHost(t, "h2", "plain");
  // What an agent that found no socket sends: the whole list, empty, from no engine.
  await t.store.containers.record("h2", {
    seq: 1,
    ts: Date.now(),
    listed: true,
    engine: "",
    containers: [],
    events: [],
  });
  const res = await t.request("/hosts/h2/containers", { cookie });
  assertEquals(res.status, 200);
  const html = await res.text();
  assert(html.includes("No container engine found on this host"), "says why there are none");
  assert(!html.includes('class="error"'), "no error shown");
});

Deno.test("the fleet's Containers page says when it lists only the first 1,000", async () => {
  await using t = await pagesApp();
  const cookie = await withHost(t, "h1", "web-1");
  const many = Array.from({ length: 1001 }, (_, i) => ({
    id: i.toString(16).padStart(64, "0"),
    name: `job-${String(i).padStart(4, "0")}`,
    image: "busybox",
    state: "exited",
    health: "",
    restarts: 0,
    cpu_percent: null,
    mem_bytes: null,
    created_at: Date.UTC(2026, 0, 1),
    started_at: null,
  }));
  await t.store.containers.record("h1", {
    seq: 1,
    ts: Date.UTC(2026, 0, 1),
    listed: true,
    engine: "docker 27.0",
    containers: many,
    events: [],
  });
  const html = await (await t.request("/containers", { cookie })).text();
  assert(html.includes("Showing the first 1,000 of 1,001"), "the cut is said");
  assert(html.includes('data-container="job-0999"') && !html.includes('data-container="job-1000"'));
  const all = await (await t.request("/containers?name=job-1000", { cookie })).text();
  assert(all.includes('data-container="job-1000"') && !all.includes("Showing the first"));
});
