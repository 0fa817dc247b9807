/** The package store's conformance tests (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import { batch as metricsBatch, host, type StoreTest } from "../conformance_helpers.ts";
import type { InstalledPackage, StoredPackageBatch } from "./types.ts";
import { runRetention } from "../retention.ts";

const pkg = (name: string, version: string, over: Partial<InstalledPackage> = {}) => ({
  manager: "dpkg",
  name,
  arch: "amd64",
  version,
  update_version: "",
  security: false,
  ...over,
});

function full(seq: number, ts: number, upsert: InstalledPackage[]): StoredPackageBatch {
  return {
    seq,
    ts,
    full: true,
    baselineSeq: seq,
    managers: ["dpkg"],
    upsert,
    removed: [],
    total: upsert.length,
    errors: [],
    partOfFull: false,
  };
}

function delta(
  seq: number,
  ts: number,
  baselineSeq: number,
  over: Partial<StoredPackageBatch>,
): StoredPackageBatch {
  return {
    seq,
    ts,
    full: false,
    baselineSeq,
    managers: ["dpkg"],
    upsert: [],
    removed: [],
    total: 0,
    partOfFull: false,
    errors: [],
    ...over,
  };
}

const names = (list: InstalledPackage[]) => list.map((p) => `${p.name}=${p.version}`);

/** Registers the package store's tests. */
export function packagesConformance(test: StoreTest): void {
  test("packages: a full inventory, then a delta on it, once each; the changes are logged", async (s) => {
    await host(s, "h1");
    const first = full(1, 1000, [pkg("openssl", "3.0.14-1"), pkg("curl", "7.88.1-10")]);
    assertEquals(await s.packages.writeBatch("h1", first, 1001), {
      status: "applied",
      changes: 0,
      resync: false,
    });
    assertEquals(await s.packages.writeBatch("h1", first, 1002), { status: "replay" });
    const d = delta(2, 2000, 1, {
      upsert: [pkg("openssl", "3.0.15-1"), pkg("jq", "1.6-2.1")],
      removed: [{ manager: "dpkg", name: "curl", arch: "amd64" }],
      total: 2,
    });
    assertEquals(await s.packages.writeBatch("h1", d, 2001), {
      status: "applied",
      changes: 3,
      resync: false,
    });
    assertEquals(await s.packages.writeBatch("h1", d, 2002), { status: "replay" });
    assertEquals(names(await s.packages.list("h1")), ["jq=1.6-2.1", "openssl=3.0.15-1"]);
    // The one sequence of the host: a package batch moves lastSeq like a metrics batch.
    assertEquals(await s.metrics.lastSeq("h1"), 2);

    const entries = await s.packages.changes("h1", 0, 10_000);
    assertEquals(entries.length, 1);
    assertEquals(entries[0].ts, 2000);
    assertEquals(entries[0].summary, "3 packages changed: 1 upgraded, 1 added, 1 removed");
    assertEquals(
      entries[0].details.packages.map((c) => [c.kind, c.name, c.from, c.to]).sort(),
      [
        ["added", "jq", null, "1.6-2.1"],
        ["removed", "curl", "7.88.1-10", null],
        ["upgraded", "openssl", "3.0.14-1", "3.0.15-1"],
      ],
    );
    await s.packages.writeBatch(
      "h1",
      delta(3, 3000, 1, { upsert: [pkg("openssl", "3.0.16-1")], total: 2 }),
      3001,
    );
    const more = await s.packages.changes("h1", 2500, 10_000);
    assertEquals(more.map((e) => e.summary), ["openssl 3.0.15-1 → 3.0.16-1"]);
    // A limit keeps the newest.
    assertEquals(
      (await s.packages.changes("h1", 0, 10_000, 1)).map((e) => e.ts),
      [3000],
    );
    assertEquals((await s.packages.baseline("h1"))?.baseline_seq, 1);
    assertEquals((await s.packages.baseline("h1"))?.last_seq, 3);
  });

  test("packages: an inventory cut into several batches is one inventory, never changes", async (s) => {
    await host(s, "h1");
    const part = (b: StoredPackageBatch) => ({ ...b, partOfFull: true });
    const cut = async (seq: number, ts: number, a: InstalledPackage[], b: InstalledPackage[]) => {
      await s.packages.writeBatch("h1", part(full(seq, ts, a)), ts);
      return await s.packages.writeBatch(
        "h1",
        part(delta(seq + 1, ts, seq, { upsert: b, total: a.length + b.length })),
        ts,
      );
    };
    // A host's first inventory, in two parts: the second adds nothing to the log.
    const a = [pkg("openssl", "3.0.14-1"), pkg("curl", "7.88.1-10")];
    const b = [pkg("jq", "1.6-2.1"), pkg("zlib1g", "1.2.13")];
    assertEquals(await cut(1, 1000, a, b), { status: "applied", changes: 0, resync: false });
    // A resync, cut likewise: the first part drops what the second brings back; neither is told.
    assertEquals(await cut(3, 2000, a, b), { status: "applied", changes: 0, resync: false });
    assertEquals(await s.packages.changes("h1", 0, 10_000), []);
    assertEquals(names(await s.packages.list("h1")), [
      "curl=7.88.1-10",
      "jq=1.6-2.1",
      "openssl=3.0.14-1",
      "zlib1g=1.2.13",
    ]);
  });

  test("packages: retention drops old changes in slices, never the inventory", async (s) => {
    const DAY = 86_400_000;
    const now = 1000 * DAY;
    const old = now - 500 * DAY;
    for (const h of ["h1", "h2"]) {
      await host(s, h);
      await s.packages.writeBatch(h, full(1, old - DAY, [pkg("openssl", "3.0.14-1")]), old);
      await s.packages.writeBatch(
        h,
        delta(2, old, 1, { upsert: [pkg("openssl", "3.0.15-1")], total: 1 }),
        old,
      );
    }
    await s.packages.writeBatch(
      "h1",
      delta(3, now - DAY, 1, { upsert: [pkg("openssl", "3.0.16-1")], total: 1 }),
      now,
    );
    const logged = async () =>
      (await Promise.all(["h1", "h2"].map((h) => s.packages.changes(h, 0, now + DAY))))
        .map((es) => es.map((e) => e.ts));
    assertEquals(await logged(), [[old, now - DAY], [old]]);
    const before = now - 400 * DAY;
    assertEquals(await s.packages.pruneChanges(before, 1), 1);
    assertEquals(await s.packages.pruneChanges(before, 1), 1);
    assertEquals(await s.packages.pruneChanges(before, 1), 0);
    assertEquals(await logged(), [[now - DAY], []]);

    // The retention job does it with the setting's days; metric history kept forever here.
    await s.packages.writeBatch(
      "h2",
      delta(3, old + DAY, 1, { upsert: [pkg("openssl", "3.0.16-1")], total: 1 }),
      now,
    );
    const forever = { raw: null, "1m": null, "10m": null, "1h": null, "1d": null };
    const kept = await runRetention(s, forever, now, () => {}, undefined, {
      packageChangesDays: 600,
    });
    assertEquals(kept.package_changes.rows, 0);
    assertEquals(await logged(), [[now - DAY], [old + DAY]]);
    const removed = await runRetention(s, forever, now, () => {}, undefined, {
      packageChangesDays: 400,
    });
    assertEquals(removed.package_changes.rows, 1);
    assertEquals(await logged(), [[now - DAY], []]);
    assertEquals(names(await s.packages.list("h2")), ["openssl=3.0.16-1"]);
  });

  test("packages: a delta on a baseline the hub does not hold applies nothing", async (s) => {
    await host(s, "h1");
    const orphan = delta(5, 1000, 4, { upsert: [pkg("openssl", "3.0.15-1")], total: 1 });
    assertEquals(await s.packages.writeBatch("h1", orphan, 1001), {
      status: "no_baseline",
      held: null,
    });
    assertEquals(await s.packages.list("h1"), []);
    // It is acked, so its seq is stored: a replay of it is a replay.
    assertEquals(await s.metrics.lastSeq("h1"), 5);
    assertEquals(await s.packages.writeBatch("h1", orphan, 1002), { status: "replay" });

    await s.packages.writeBatch("h1", full(6, 2000, [pkg("openssl", "3.0.14-1")]), 2001);
    const stale = delta(7, 3000, 2, { upsert: [pkg("openssl", "3.0.15-1")], total: 1 });
    assertEquals(await s.packages.writeBatch("h1", stale, 3001), {
      status: "no_baseline",
      held: 6,
    });
    assertEquals(names(await s.packages.list("h1")), ["openssl=3.0.14-1"]);
    assertEquals(await s.packages.changes("h1", 0, 10_000), []);
  });

  test("packages: a full inventory replaces what is held, except managers it could not read", async (s) => {
    await host(s, "h1");
    await s.packages.writeBatch(
      "h1",
      {
        ...full(1, 1000, [
          pkg("openssl", "3.0.14-1"),
          pkg("requests", "2.31.0", { manager: "pip", arch: "" }),
        ]),
        managers: ["dpkg", "pip"],
      },
      1001,
    );
    const resync: StoredPackageBatch = {
      ...full(2, 2000, [
        pkg("openssl", "3.0.13-1"),
        pkg("zlib1g", "1:1.2.13.dfsg-1", {
          update_version: "1:1.2.13.dfsg-1+deb12u1",
          security: true,
        }),
      ]),
      managers: ["dpkg", "pip"],
      errors: [{ manager: "pip", message: "site-packages unreadable" }],
      total: 3,
    };
    assertEquals(await s.packages.writeBatch("h1", resync, 2001), {
      status: "applied",
      changes: 2,
      resync: false,
    });
    const list = await s.packages.list("h1");
    assertEquals(names(list), ["openssl=3.0.13-1", "zlib1g=1:1.2.13.dfsg-1", "requests=2.31.0"]);
    assertEquals(list[1].update_version, "1:1.2.13.dfsg-1+deb12u1");
    assertEquals(list[1].security, true);
    assertEquals(list[2].arch, "");
    const [entry] = await s.packages.changes("h1", 0, 10_000);
    assertEquals(entry.summary, "2 packages changed: 1 added, 1 downgraded");
    assertEquals((await s.packages.baseline("h1"))?.baseline_seq, 2);
    assertEquals((await s.packages.baseline("h1"))?.errors, resync.errors);
  });

  test("packages: a total that disagrees with what the hub holds asks for a resync", async (s) => {
    await host(s, "h1");
    await s.packages.writeBatch("h1", full(1, 1000, [pkg("a", "1")]), 1001);
    const out = await s.packages.writeBatch(
      "h1",
      delta(2, 2000, 1, { upsert: [pkg("b", "1")], total: 5 }),
      2001,
    );
    assertEquals(out, { status: "applied", changes: 1, resync: true });
  });

  test("packages: the fleet search matches a substring of names, of one manager when asked", async (s) => {
    await host(s, "h1", "web-1");
    await host(s, "h2", "db-1");
    await s.packages.writeBatch(
      "h1",
      full(1, 1000, [pkg("openssl", "3.0.14-1"), pkg("libssl3", "3.0.14-1"), pkg("curl", "7")]),
      1001,
    );
    await s.packages.writeBatch(
      "h2",
      {
        ...full(1, 1000, [
          pkg("openssl", "3.0.15-1", { update_version: "3.0.16-1" }),
          pkg("pyOpenSSL", "24.0.0", { manager: "pip", arch: "" }),
        ]),
        managers: ["dpkg", "pip"],
      },
      1001,
    );
    // Metrics and packages of one host share its sequence.
    await s.metrics.writeBatch("h2", metricsBatch(2, 2000, 10));
    const hits = await s.packages.search({ name: "SSL", limit: 100 });
    assertEquals(
      hits.map((h) => `${h.host.name} ${h.manager} ${h.name} ${h.version}`).sort(),
      [
        "db-1 dpkg openssl 3.0.15-1",
        "db-1 pip pyOpenSSL 24.0.0",
        "web-1 dpkg libssl3 3.0.14-1",
        "web-1 dpkg openssl 3.0.14-1",
      ],
    );
    assertEquals(
      (await s.packages.search({ name: "openssl", manager: "pip", limit: 100 })).map((h) =>
        h.host.id
      ),
      ["h2"],
    );
    assertEquals((await s.packages.search({ name: "ssl", limit: 2 })).length, 2);
    assertEquals(await s.packages.search({ name: "nginx", limit: 100 }), []);
    assertEquals((await s.packages.pending(100)).map((h) => [h.host.id, h.update_version]), [
      ["h2", "3.0.16-1"],
    ]);
    // A removed host takes its packages with it.
    await s.hosts.remove("h2");
    assertEquals((await s.packages.search({ name: "openssl", limit: 100 })).length, 1);
  });
}
