/** The containers store's conformance tests (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import { host, type StoreTest } from "../conformance_helpers.ts";
import type { ContainerInput, ContainerReport } from "./types.ts";

const ID = (n: number) => n.toString(16).padStart(64, "0");

const ctr = (n: number, over: Partial<ContainerInput> = {}): ContainerInput => ({
  id: ID(n),
  name: `web-${n}`,
  image: "nginx:1.27",
  state: "running",
  health: "",
  restarts: 0,
  cpu_percent: 12.5,
  mem_bytes: 1000 * n,
  created_at: 1_000,
  started_at: 2_000,
  ...over,
});

const report = (
  seq: number,
  containers: ContainerInput[],
  over: Partial<ContainerReport> = {},
) => ({
  seq,
  ts: seq * 10_000,
  listed: true,
  engine: "docker 27.0",
  containers,
  events: [],
  ...over,
});

/** Registers the containers tests. */
export function containersConformance(test: StoreTest): void {
  test("containers.record() keeps the newest list; what it lacks is gone, and replays change nothing", async (s) => {
    await host(s, "h1");
    await s.containers.record("h1", report(1, [ctr(1), ctr(2)]));
    assertEquals((await s.containers.list("h1")).map((c) => c.name), ["web-1", "web-2"]);
    const [one] = await s.containers.list("h1");
    assertEquals(
      { cpu: one.cpu_percent, mem: one.mem_bytes, started: one.started_at, gone: one.gone_at },
      { cpu: 12.5, mem: 1000, started: 2_000, gone: null },
    );

    await s.containers.record("h1", report(2, [ctr(2, { state: "exited", cpu_percent: null })]));
    const live = await s.containers.list("h1");
    assertEquals(live.map((c) => [c.name, c.state, c.cpu_percent]), [["web-2", "exited", null]]);

    // A replay of seq 1 (or any older list) does not bring web-1 back.
    await s.containers.record("h1", report(1, [ctr(1), ctr(2)]));
    assertEquals((await s.containers.list("h1")).map((c) => c.name), ["web-2"]);
    // A batch that did not list (the engine failed) keeps what is held.
    await s.containers.record("h1", report(3, [], { listed: false }));
    assertEquals((await s.containers.list("h1")).map((c) => c.name), ["web-2"]);
    // An empty list: the host has none now (no engine any more).
    await s.containers.record("h1", report(4, [], { engine: "" }));
    assertEquals(await s.containers.list("h1"), []);
    assertEquals(await s.containers.engine("h1"), { engine: "", ts: 40_000 });
    // Back again: live, first_seen kept.
    await s.containers.record("h1", report(5, [ctr(1)]));
    const [back] = await s.containers.list("h1");
    assertEquals([back.name, back.first_seen, back.last_seen, back.gone_at], [
      "web-1",
      10_000,
      50_000,
      null,
    ]);
    // Retention takes a container gone before its horizon (web-2), never a live one.
    assertEquals(await s.containers.prune(45_000), 1);
    assertEquals((await s.containers.list("h1")).map((c) => c.name), ["web-1"]);
  });

  test("containers.events() is each event once, oldest first, as a timeline entry", async (s) => {
    await host(s, "h1");
    await host(s, "h2");
    const events = [
      {
        ts: 5_000,
        container_id: ID(1),
        name: "web-1",
        image: "nginx",
        action: "die",
        exit_code: 137,
        health: "",
      },
      {
        ts: 6_000,
        container_id: ID(1),
        name: "web-1",
        image: "nginx",
        action: "health_status",
        exit_code: 0,
        health: "unhealthy",
      },
    ];
    await s.containers.record("h1", report(7, [], { listed: false, events }));
    await s.containers.record("h1", report(7, [], { listed: false, events })); // a replay
    await s.containers.record("h2", report(7, [], { listed: false, events: [events[0]] }));
    const got = await s.containers.events("h1", 0, 10_000);
    assertEquals(got.map((e) => [e.ts, e.kind, e.summary]), [
      [5_000, "container", "web-1 exited with code 137"],
      [6_000, "container", "web-1 is unhealthy"],
    ]);
    assertEquals(got[0].details.exit_code, 137);
    assertEquals((await s.containers.events("h1", 5_500, 10_000)).length, 1);
    // Past the limit: the newest.
    assertEquals((await s.containers.events("h1", 0, 10_000, 1)).map((e) => e.ts), [6_000]);
    assertEquals(await s.containers.prune(5_500), 2); // one event of each host
    assertEquals((await s.containers.events("h1", 0, 10_000)).length, 1);
  });

  test("containers.fleet() finds by a part of the name or image and by state, with each host", async (s) => {
    await host(s, "h1", "alpha");
    await host(s, "h2", "beta");
    await s.containers.record("h1", report(1, [ctr(1), ctr(2, { image: "redis:7" })]));
    await s.containers.record("h2", report(1, [ctr(3, { name: "db_1", state: "exited" })]));
    const names = async (f: { query?: string; state?: string }) =>
      (await s.containers.fleet(f)).containers.map((c) => `${c.host.name}/${c.name}`);
    assertEquals(await names({}), ["beta/db_1", "alpha/web-1", "alpha/web-2"]);
    assertEquals(await names({ query: "REDIS" }), ["alpha/web-2"]);
    assertEquals(await names({ query: "b_1" }), ["beta/db_1"]);
    // LIKE's wildcards are text here: "_" is no single-character match.
    assertEquals(await names({ query: "web_" }), []);
    assertEquals(await names({ state: "exited" }), ["beta/db_1"]);
    assertEquals(await names({ state: "running", query: "web-1" }), ["alpha/web-1"]);
    // A list cut at its limit says how many there are in all.
    const cut = await s.containers.fleet({ limit: 2 });
    assertEquals(cut.containers.map((c) => c.name), ["db_1", "web-1"]);
    assertEquals(cut.total, 3);
    assertEquals((await s.containers.fleet({ query: "web", limit: 2 })).total, 2);
    assertEquals((await s.containers.fleet({ query: "nothing" })).total, 0);
    // A removed host takes its containers along.
    await s.hosts.remove("h1");
    assertEquals(await names({}), ["beta/db_1"]);
  });
}
