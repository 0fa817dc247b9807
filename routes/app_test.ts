import { assert, assertEquals, textDecoder } from "../lib/assert.ts";
import { rollUpAll } from "../hub/store/retention.ts";
import { SqliteStore } from "../hub/store/sqlite/sqlite_store.ts";
import type { Store } from "../hub/store/store.ts";
import { apiApp, AUTH } from "./testing.ts";

async function setup() {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/t.db`);
  return {
    ...await apiApp(store),
    store,
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("GET /api/v1/hosts needs an API key", async () => {
  await using t = await setup();
  const none = await t.app.request("/api/v1/hosts");
  assertEquals(none.status, 401);
  assertEquals((await none.json()).error.code, "unauthenticated");
  const wrong = await t.app.request("/api/v1/hosts", {
    headers: { authorization: `Bearer sl_key_${"b".repeat(32)}` },
  });
  assertEquals(wrong.status, 401);
});

Deno.test("GET /api/v1/hosts lists hosts with their live status", async () => {
  await using t = await setup();
  let res = await t.app.request("/api/v1/hosts", { headers: AUTH });
  assertEquals(res.status, 200);
  let hosts = await res.json();
  assertEquals([hosts[0].id, hosts[0].name, hosts[0].status], ["h1", "web-1", "offline"]);
  t.status.set("h1", { status: "online", lastSeen: Date.now(), pendingBatches: 0 });
  res = await t.app.request("/api/v1/hosts", { headers: AUTH });
  hosts = await res.json();
  assertEquals(hosts[0].status, "online");
});

Deno.test("GET /api/v1/hosts/:id answers 404 as JSON for an unknown host", async () => {
  await using t = await setup();
  const res = await t.app.request("/api/v1/hosts/nope", { headers: AUTH });
  assertEquals(res.status, 404);
  assertEquals((await res.json()).error, { code: "not_found", message: "No such host: nope" });
});

Deno.test("GET /api/v1/hosts/:id shows the latest snapshot", async () => {
  await using t = await setup();
  await t.store.writeBatch("h1", {
    seq: 1,
    ts: Date.now(),
    points: [],
    latest: { mem_total_bytes: 42 },
  });
  const body = await (await t.app.request("/api/v1/hosts/h1", { headers: AUTH })).json();
  assertEquals(body.latest.mem_total_bytes, 42);
});

/** Stores one cpu_percent sample per [seq, time, value]. */
async function cpu(store: Store, hostId: string, samples: Array<[number, number, number]>) {
  for (const [seq, ts, value] of samples) {
    await store.writeBatch(hostId, {
      seq,
      ts,
      points: [{ metric: "cpu_percent", label: "", value }],
      latest: {},
    });
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

Deno.test("GET /api/v1/hosts/:id/metrics reads raw samples for short ranges and fills gaps with null", async () => {
  await using t = await setup();
  const base = Math.floor((Date.now() - 600_000) / 60_000) * 60_000;
  await cpu(t.store, "h1", [[1, base, 5], [2, base + 30_000, 7], [3, base + 120_000, 9]]);
  const q = `metric=cpu_percent&from=${iso(base)}&to=${iso(base + 150_000)}`;
  const res = await t.app.request(`/api/v1/hosts/h1/metrics?${q}`, { headers: AUTH });
  assertEquals(res.status, 200);
  const body = await res.json();
  assertEquals([body.tier, body.step_s], ["raw", 30]);
  assertEquals(body.points, [
    [base, 5],
    [base + 30_000, 7],
    [base + 60_000, null],
    [base + 90_000, null],
    [base + 120_000, 9],
  ]);
  assertEquals(body.complete, [true, true, false, false, true]);
});

Deno.test("GET /api/v1/hosts/:id/metrics reads a year from daily rollups, with min and max", async () => {
  await using t = await setup();
  const day = 86_400_000;
  const today = Math.floor(Date.now() / day) * day;
  // Two readings 200 days ago and a whole day of them 100 days ago.
  await cpu(t.store, "h1", [[1, today - 200 * day + 1000, 10], [2, today - 200 * day + 2000, 30]]);
  await cpu(
    t.store,
    "h1",
    Array.from(
      { length: 2880 },
      (_, i) => [3 + i, today - 100 * day + i * 30_000, i % 2 ? 60 : 40],
    ),
  );
  await rollUpAll(t.store);
  const q = `metric=cpu_percent&from=${iso(today - 365 * day)}&to=${iso(today + day)}`;
  const body = await (await t.app.request(`/api/v1/hosts/h1/metrics?${q}`, { headers: AUTH }))
    .json();
  assertEquals([body.tier, body.step_s, body.points.length], ["1d", 86400, 366]);
  const at = (ms: number) => body.points.findIndex(([t]: [number]) => t === ms);
  const sparse = at(today - 200 * day);
  const full = at(today - 100 * day);
  assertEquals(
    [body.points[sparse][1], body.min[sparse], body.max[sparse], body.complete[sparse]],
    [20, 10, 30, false],
  );
  assertEquals(
    [body.points[full][1], body.min[full], body.max[full], body.complete[full]],
    [50, 40, 60, true],
  );
  // Every other day is a gap, not a guess.
  assertEquals(body.points.filter(([, v]: [number, number | null]) => v !== null).length, 2);
});

Deno.test("GET /api/v1/metrics gives one series of many hosts in one call", async () => {
  await using t = await setup();
  await t.store.createHostWithToken({
    hostId: "h2",
    name: "db-1",
    tokenHash: "t2",
    createdAt: 0,
    expiresAt: Date.now() + 1e6,
  });
  await t.store.setHostTags("h2", ["db"]);
  const base = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
  await cpu(t.store, "h1", [[1, base, 10]]);
  await cpu(t.store, "h2", [[1, base, 70], [2, base + 60_000, 90]]);
  await rollUpAll(t.store);
  const range = `metric=cpu_percent&from=${iso(base)}&to=${iso(base + 6 * 3_600_000)}`;
  const get = async (extra: string) => {
    const res = await t.app.request(`/api/v1/metrics?${range}${extra}`, { headers: AUTH });
    assertEquals(res.status, 200);
    return await res.json();
  };
  const all = await get("");
  assertEquals([all.tier, all.step_s], ["1m", 60]);
  assertEquals(all.hosts.map((h: { id: string }) => h.id).sort(), ["h1", "h2"]);
  const db = all.hosts.find((h: { id: string }) => h.id === "h2");
  assertEquals([db.name, db.points[0], db.points[1], db.points[2]], [
    "db-1",
    [base, 70],
    [base + 60_000, 90],
    [base + 120_000, null],
  ]);
  assertEquals((await get("&tag=db")).hosts.map((h: { id: string }) => h.id), ["h2"]);
  assertEquals((await get("&host=h1&host=nope")).hosts.map((h: { id: string }) => h.id), ["h1"]);
  const bad = await t.app.request(`/api/v1/metrics?metric=Nope`, { headers: AUTH });
  assertEquals([bad.status, (await bad.json()).error.code], [400, "invalid_query"]);
});

Deno.test("GET /api/v1/hosts/:id/metrics refuses a bad query with 400 and changes nothing", async () => {
  await using t = await setup();
  for (
    const q of [
      "metric=DROP%20TABLE",
      "metric=cpu", // a name like a metric's, but no metric has it
      "metric=cpu_percent&from=yesterday",
      "metric=cpu_percent&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
      "metric=cpu_percent&from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
    ]
  ) {
    const res = await t.app.request(`/api/v1/hosts/h1/metrics?${q}`, { headers: AUTH });
    assertEquals(res.status, 400, q);
    const body = await res.json();
    assertEquals(body.error.code, "invalid_query");
    assert(!/file:\/\/|\.ts:\d/.test(JSON.stringify(body)), "no stack trace");
  }
  // An unknown metric's error names the ones there are.
  const res = await t.app.request(`/api/v1/hosts/h1/metrics?metric=cpu`, { headers: AUTH });
  const { error } = await res.json();
  assert(
    error.message.includes("cpu_percent") && error.message.includes("temp_celsius"),
    error.message,
  );
});

Deno.test("GET /api/v1/events streams events as SSE and unsubscribes when the client leaves", async () => {
  await using t = await setup();
  const seen = new Date(Date.now() - 5000);
  t.status.set("h1", { status: "online", lastSeen: seen.getTime(), pendingBatches: 0 });
  const ac = new AbortController();
  const res = await t.app.request("/api/v1/events", { headers: AUTH, signal: ac.signal });
  assertEquals(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body!.pipeThrough(textDecoder()).getReader();
  let text = "";
  const block = async () => {
    while (!text.includes("\n\n")) text += (await reader.read()).value;
    const i = text.indexOf("\n\n");
    const out = text.slice(0, i + 2);
    text = text.slice(i + 2);
    return out;
  };
  assertEquals(await block(), ": connected\n\n");
  // First the current status of every host, so a reconnecting browser is right at once.
  assertEquals(
    await block(),
    `event: host.status\ndata: {"id":"h1","status":"online","last_seen":"${seen.toISOString()}","registered":true}\n\n`,
  );
  assertEquals(t.broker.size, 1);
  t.broker.publish({
    event: "host.status",
    hostId: "h1",
    data: { id: "h1", status: "offline", last_seen: null },
  });
  assertEquals(
    await block(),
    'event: host.status\ndata: {"id":"h1","status":"offline","last_seen":null}\nid: 1\n\n',
  );
  await reader.cancel();
  ac.abort();
  for (let i = 0; i < 100 && t.broker.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assertEquals(t.broker.size, 0);
});

Deno.test("GET /api/v1/events?host= only carries that host's events", async () => {
  await using t = await setup();
  const res = await t.app.request("/api/v1/events?host=h1", { headers: AUTH });
  const reader = res.body!.pipeThrough(textDecoder()).getReader();
  await reader.read();
  t.broker.publish({ event: "host.removed", hostId: "other", data: { id: "other" } });
  t.broker.publish({ event: "host.removed", hostId: "h1", data: { id: "h1" } });
  let text = "";
  while (!text.includes("\n\n")) text += (await reader.read()).value;
  assert(text.includes('"id":"h1"') && !text.includes("other"), text);
  await reader.cancel();
});

Deno.test("unknown routes answer JSON 404", async () => {
  await using t = await setup();
  const res = await t.app.request("/api/v2/nothing");
  assertEquals(res.status, 404);
  assertEquals((await res.json()).error.code, "not_found");
});

Deno.test("GET /api/v1/events says a host that waits for its agent is not registered yet", async () => {
  await using t = await setup();
  await t.store.createHostWithToken({
    hostId: "h2",
    name: "new",
    tokenHash: "t2",
    createdAt: 0,
    expiresAt: 1e15,
  });
  const res = await t.app.request("/api/v1/events?host=h2", { headers: AUTH });
  const reader = res.body!.pipeThrough(textDecoder()).getReader();
  let text = "";
  while (!text.includes("registered")) text += (await reader.read()).value;
  assert(text.includes('"id":"h2","status":"offline","last_seen":null,"registered":false'), text);
  await reader.cancel();
});

Deno.test("a path with control characters is a 400 and reaches no log line", async () => {
  await using t = await setup();
  const written: string[] = [];
  const saved = { warn: console.warn, error: console.error, log: console.log };
  console.warn = console.error = console.log = (...a: unknown[]) => void written.push(a.join(" "));
  try {
    for (
      const p of [
        "/static/%00%0a2026-01-01T00:00:00.000Z ERROR hub: FORGED",
        "/static/x%0d%0aFORGED",
        "/api/v1/hosts/%1b[31mred",
      ]
    ) {
      const res = await t.app.request(`http://hub.test${p}`, { headers: AUTH });
      assertEquals(res.status, 400, p);
      if (p.startsWith("/api/")) assertEquals((await res.json()).error.code, "invalid_path");
      else await res.body?.cancel();
    }
  } finally {
    Object.assign(console, saved);
  }
  // deno-lint-ignore no-control-regex
  assertEquals(written.filter((l) => /FORGED|\u0000|\u001b/.test(l)), []);
});
