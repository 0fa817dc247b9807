/**
 * GET /api/v1/hosts/:id/changes on SQLite: the host's changes in a range,
 * oldest first, and a 400 naming the field for a bad from or to.
 */
import { assertEquals } from "../../../../../lib/assert.ts";
import { SqliteStore } from "../../../../../hub/store/sqlite/store.ts";
import { apiApp, AUTH } from "../../../../testing.ts";
import { mergeChanges } from "../../../../../hub/changes/sources.ts";
import type { HostChange } from "../../../../../hub/store/changes/types.ts";

const T = Date.UTC(2026, 4, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

Deno.test("GET /api/v1/hosts/:id/changes answers the range oldest first, and refuses bad input by field", async () => {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/t.db`);
  try {
    const { app } = await apiApp(store);
    await store.changes.record("h1", [
      {
        key: "kernel:2",
        ts: T + 2000,
        kind: "kernel",
        summary: "Kernel 6.1 → 6.2",
        details: { before: "6.1", after: "6.2" },
      },
      { key: "reboot:1", ts: T, kind: "reboot", summary: "Host rebooted", details: {} },
      { key: "reboot:0", ts: T - 3_600_000, kind: "reboot", summary: "Host rebooted", details: {} },
    ], T);
    const get = (q: string, host = "h1") =>
      app.request(`/api/v1/hosts/${host}/changes${q}`, { headers: AUTH });

    const res = await get(`?from=${iso(T - 60_000)}&to=${iso(T + 60_000)}`);
    assertEquals(res.status, 200);
    assertEquals(await res.json(), [
      { ts: iso(T), kind: "reboot", summary: "Host rebooted", details: {} },
      {
        ts: iso(T + 2000),
        kind: "kernel",
        summary: "Kernel 6.1 → 6.2",
        details: { before: "6.1", after: "6.2" },
      },
    ]);
    // `to` alone: the 7 days before it.
    const week = await (await get(`?to=${iso(T + 1)}`)).json();
    assertEquals(week.map((c: { ts: string }) => c.ts), [iso(T - 3_600_000), iso(T)]);

    for (
      const [q, field] of [
        ["?from=yesterday", "from"],
        [`?from=${iso(T)}&to=12`, "to"],
        [`?from=${iso(T)}&to=${iso(T)}`, "from"],
        [`?from=1990-01-01T00:00:00Z&to=${iso(T)}`, "from"],
      ]
    ) {
      const bad = await get(q);
      assertEquals([bad.status, (await bad.json()).error.field], [400, field], q);
    }
    assertEquals((await get("", "nope")).status, 404);
    assertEquals((await app.request("/api/v1/hosts/h1/changes")).status, 401);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mergeChanges(): every source's changes in one timeline, the newest when there are too many", async () => {
  const change = (ts: number, kind: string): HostChange => ({
    ts,
    kind,
    summary: kind,
    details: {},
  });
  const a = [change(10, "reboot"), change(30, "kernel"), change(50, "reboot")];
  const b = [change(20, "package"), change(30, "package"), change(99, "package")];
  const sources = [a, b].map((list) => (_h: string, from: number, to: number, limit: number) =>
    Promise.resolve(list.filter((c) => c.ts >= from && c.ts < to).slice(-limit))
  );
  const all = await mergeChanges(sources, "h1", 0, 60, 10);
  assertEquals(all.changes.map((c) => `${c.ts} ${c.kind}`), [
    "10 reboot",
    "20 package",
    "30 kernel",
    "30 package",
    "50 reboot",
  ]);
  assertEquals(all.truncated, false);
  const few = await mergeChanges(sources, "h1", 0, 60, 2);
  assertEquals([few.changes.map((c) => c.ts), few.truncated], [[30, 50], true]);
});
