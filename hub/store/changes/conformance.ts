/** The host changes store's conformance tests (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import { host, type StoreTest } from "../conformance_helpers.ts";
import type { NewHostChange } from "./types.ts";

const reboot = (key: string, ts: number): NewHostChange => ({
  key,
  ts,
  kind: "reboot",
  summary: "Host rebooted",
  details: { uptime_s: 12, previous_uptime_s: 86_400.5 },
});

const ALL = { from: 0, to: 1e15, limit: 100 };

/** Registers the host changes tests. */
export function changesConformance(test: StoreTest): void {
  test("changes.record() writes each (host, key) once and says what it wrote", async (s) => {
    await host(s, "h1");
    await host(s, "h2");
    const kernel: NewHostChange = {
      key: "kernel:1700000000000:6.1.0-21",
      ts: 1_700_000_000_000,
      kind: "kernel",
      summary: "Kernel 6.1.0-18 → 6.1.0-21",
      details: { before: "6.1.0-18", after: "6.1.0-21" },
    };
    const first = await s.changes.record("h1", [reboot("reboot:7", 1_699_999_990_000), kernel], 5);
    assertEquals(first.map((c) => c.kind), ["reboot", "kernel"]);
    // Again, as a replay or a second hub would: nothing new, nothing doubled.
    assertEquals(await s.changes.record("h1", [kernel, reboot("reboot:7", 1)], 6), []);
    // The same key on another host is another change.
    assertEquals((await s.changes.record("h2", [kernel], 7)).length, 1);
    assertEquals(await s.changes.list("h1", ALL), [
      {
        ts: 1_699_999_990_000,
        kind: "reboot",
        summary: "Host rebooted",
        details: { uptime_s: 12, previous_uptime_s: 86_400.5 },
      },
      {
        ts: 1_700_000_000_000,
        kind: "kernel",
        summary: "Kernel 6.1.0-18 → 6.1.0-21",
        details: { before: "6.1.0-18", after: "6.1.0-21" },
      },
    ]);
  });

  test("changes.record() at once from many callers writes each change once", async (s) => {
    await host(s, "h1");
    const batch = [reboot("reboot:9", 1000), { ...reboot("agent:5", 1005), kind: "agent_restart" }];
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => s.changes.record("h1", batch, i)),
    );
    assertEquals(results.flat().length, 2);
    assertEquals((await s.changes.list("h1", ALL)).length, 2);
  });

  test("changes.list() reads [from, to) oldest first, the newest `limit` of it", async (s) => {
    await host(s, "h1");
    await s.changes.record("h1", [10, 20, 30, 40].map((ts) => reboot(`reboot:${ts}`, ts)), 1);
    const ts = async (from: number, to: number, limit = 100) =>
      (await s.changes.list("h1", { from, to, limit })).map((c) => c.ts);
    assertEquals(await ts(20, 40), [20, 30]);
    assertEquals(await ts(0, 100, 2), [30, 40]);
    assertEquals(await ts(41, 100), []);
    assertEquals(await s.changes.list("nope", ALL), []);
  });

  test("changes go with their host, and a removed host records none", async (s) => {
    await host(s, "h1");
    await s.changes.record("h1", [reboot("reboot:1", 1)], 1);
    await s.hosts.remove("h1");
    assertEquals(await s.changes.list("h1", ALL), []);
    assertEquals(await s.changes.record("h1", [reboot("reboot:2", 2)], 2), []);
    assertEquals(await s.changes.list("h1", ALL), []);
  });
}
