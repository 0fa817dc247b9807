/** The hosts store's conformance tests (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import { avgs, batch, host, type StoreTest } from "../conformance_helpers.ts";

/** Registers the hosts tests. */
export function hostsConformance(test: StoreTest): void {
  test("hosts.register() uses a token once and refuses unknown and expired ones", async (s) => {
    const pending = await s.hosts.create({
      hostId: "1",
      name: null,
      tokenHash: "a",
      createdAt: 0,
      expiresAt: 100,
    });
    assertEquals([pending.registered, await s.hosts.keyGeneration("1")], [false, null]);
    await s.hosts.create({
      hostId: "2",
      name: "web",
      tokenHash: "b",
      createdAt: 0,
      expiresAt: 100,
    });
    assertEquals(await s.hosts.register("zzz", { fallbackName: "h", now: 50 }), {
      ok: false,
      reason: "unknown",
    });
    const first = await s.hosts.register("a", { fallbackName: "from-agent", now: 50 });
    assertEquals(first.ok && [first.host.id, first.host.name, first.host.registered], [
      "1",
      "from-agent",
      true,
    ]);
    assertEquals(await s.hosts.keyGeneration("1"), 2);
    assertEquals(await s.hosts.register("a", { fallbackName: "h", now: 60 }), {
      ok: false,
      reason: "used",
    });
    assertEquals(await s.hosts.register("b", { fallbackName: "h", now: 100 }), {
      ok: false,
      reason: "expired",
    });
    assertEquals((await s.hosts.get("2"))?.name, "web");
  });

  test("hosts.renewToken() replaces a waiting host's token, once registered never", async (s) => {
    const audit = { at: 5, actor: "ann", action: "host.token", target: "w" };
    for (const [id, name] of [["w", "web"], ["n", null]] as const) {
      await s.hosts.create({
        hostId: id,
        name,
        tokenHash: `old-${id}`,
        createdAt: 0,
        expiresAt: 10,
      });
      assertEquals(
        await s.hosts.renewToken(
          id,
          { tokenHash: `new-${id}`, createdAt: 5, expiresAt: 100 },
          audit,
        ),
        true,
      );
    }
    // The old token no longer works, even where it had not expired; the new one does,
    // and the agent still names a host created without a name.
    assertEquals(await s.hosts.register("old-w", { fallbackName: "h", now: 6 }), {
      ok: false,
      reason: "unknown",
    });
    const w = await s.hosts.register("new-w", { fallbackName: "from-agent", now: 50 });
    assertEquals(w.ok && w.host.name, "web");
    const n = await s.hosts.register("new-n", { fallbackName: "from-agent", now: 50 });
    assertEquals(n.ok && n.host.name, "from-agent");
    // A registered or unknown host gets none, and no audit entry.
    const t = { tokenHash: "x", createdAt: 60, expiresAt: 100 };
    assertEquals(await s.hosts.renewToken("w", t, audit), false);
    assertEquals(await s.hosts.renewToken("nope", t, audit), false);
    assertEquals((await s.audit.list(10)).map((e) => e.action), ["host.token", "host.token"]);
  });

  test("hosts keep unicode names, tags and agent facts", async (s) => {
    await host(s, "h1", "ñandú-東京-🚀");
    await s.hosts.setTags("h1", ["eu-west", "web"]);
    await s.hosts.updateInfo("h1", {
      hostname: "box",
      os: "linux",
      arch: "x86_64",
      kernel: "6.1",
      agent_version: "0.1.0",
      environment: "vm",
      ips: ["10.0.0.1", "fd00::1"],
      interval_s: 10,
      dropped_batches: 3,
    }, 5000);
    const h = (await s.hosts.get("h1"))!;
    assertEquals(
      [h.name, h.tags, h.ips, h.interval_s, h.dropped_batches, h.last_seen],
      [
        "ñandú-東京-🚀",
        ["eu-west", "web"],
        ["10.0.0.1", "fd00::1"],
        10,
        3,
        new Date(5000).toISOString(),
      ],
    );
    assertEquals((await s.hosts.list()).map((x) => x.id), ["h1"]);
    assertEquals(await s.hosts.setTags("nope", []), false);
  });

  test("hosts.remove() removes the host with its data and its token", async (s) => {
    await host(s);
    await s.metrics.writeBatch("h1", batch(1, 30_000, 10));
    assertEquals(await s.hosts.remove("h1"), true);
    assertEquals(await s.hosts.get("h1"), null);
    assertEquals(await s.metrics.latest("h1"), null);
    assertEquals(await avgs(s, "h1", "cpu_percent", "", 0, 60_000, 30_000), []);
    assertEquals(await s.hosts.remove("h1"), false);
    await s.hosts.create({
      hostId: "h2",
      name: "x",
      tokenHash: "t2",
      createdAt: 0,
      expiresAt: 1e15,
    });
    await s.hosts.remove("h2");
    assertEquals((await s.hosts.register("t2", { fallbackName: "h", now: 1 })).ok, false);
    // A host re-added with the same id starts clean.
    await host(s, "h1");
    assertEquals(await s.metrics.writeBatch("h1", batch(1, 30_000, 10)), { inserted: true });
  });

  test("hosts.syncStatus() never moves last_seen backwards", async (s) => {
    await host(s);
    await s.hosts.syncStatus([{ id: "h1", status: "online", lastSeenMs: 5000, droppedBatches: 3 }]);
    await s.hosts.syncStatus([{
      id: "h1",
      status: "offline",
      lastSeenMs: 1000,
      droppedBatches: 3,
    }]);
    const h = await s.hosts.get("h1");
    assertEquals([h?.status, h?.last_seen, h?.dropped_batches], [
      "offline",
      new Date(5000).toISOString(),
      3,
    ]);
  });
}
