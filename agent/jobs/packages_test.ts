import { fromBinary } from "@bufbuild/protobuf";
import { fileURLToPath } from "node:url";
import {
  AgentMessageSchema,
  type PackageBatch,
} from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { ControlError_Code } from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { assert, assertEquals } from "../../lib/assert.ts";
import type { Logger } from "../../lib/log.ts";
import { AgentControl } from "../control.ts";
import { dpkg } from "../packages/dpkg.ts";
import { python } from "../packages/python.ts";
import { apt } from "../packages/updates/apt.ts";
import { Scheduler } from "../scheduler.ts";
import { Wal } from "../wal.ts";
import { DAY_MS, type PackagesDeps, PackagesJob } from "./packages.ts";

const fixture = (p: string) => fileURLToPath(new URL(`../packages/testdata/${p}`, import.meta.url));
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A root with a copy of the dpkg and Python fixtures, a WAL, and a way to make jobs on them. */
async function setUp() {
  const dir = await Deno.makeTempDir();
  const root = `${dir}/root`;
  await Deno.mkdir(`${root}/var/lib/dpkg`, { recursive: true });
  const status = `${root}/var/lib/dpkg/status`;
  await Deno.copyFile(fixture("dpkg/var/lib/dpkg/status"), status);
  const site = `${root}/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info`;
  await Deno.mkdir(site, { recursive: true });
  await Deno.copyFile(
    fixture(`python/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA`),
    `${site}/METADATA`,
  );
  const wal = await Wal.open(`${dir}/wal.kv`);
  let notified = 0;
  const waiters: Array<() => void> = [];
  const make = (more: Partial<PackagesDeps> = {}) =>
    new PackagesJob({
      root,
      wal,
      agentId: "agent-1",
      sender: {
        notify: () => {
          notified++;
          waiters.splice(0).forEach((w) => w());
        },
      },
      log: quiet,
      checkMs: 60_000,
      initialDelayMs: 0,
      managers: [dpkg, python],
      ...more,
    });
  /** The batch appended under `seq`, decoded by the hub's own schema. */
  const batch = async (seq: number): Promise<PackageBatch> => {
    for await (const e of wal.entries(seq - 1, seq)) {
      const kind = fromBinary(AgentMessageSchema, e.data).kind;
      if (kind.case !== "packages") throw new Error(`batch ${seq} is ${kind.case}`);
      return kind.value;
    }
    throw new Error(`no batch ${seq}`);
  };
  const editStatus = async (fn: (text: string) => string) =>
    await Deno.writeTextFile(status, fn(await Deno.readTextFile(status)));
  return {
    root,
    wal,
    make,
    batch,
    editStatus,
    notified: () => notified,
    nextNotify: () => new Promise<void>((r) => waiters.push(r)),
    cleanUp: async () => {
      wal.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const names = (b: PackageBatch) =>
  b.upsert.map((p) => `${p.manager}/${p.name}:${p.arch}=${p.version}`).sort();
const removedNames = (b: PackageBatch) =>
  b.removed.map((k) => `${k.manager}/${k.name}:${k.arch}`).sort();

/** The fixture upgraded (openssl), with a package removed (zlib1g) and one added (curl). */
const upgrade = (text: string) =>
  text
    .replace(/(Package: openssl\n[\s\S]*?Version: )3\.0\.19-1~deb12u2/, "$13.0.20-1~deb12u1")
    .replace(/Package: zlib1g\n[\s\S]*?\n\n/, "") +
  "\nPackage: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u8\n";

Deno.test("the packages job sends a full inventory once its start delay has passed", async () => {
  const t = await setUp();
  const jobs = new Scheduler({ log: quiet });
  try {
    const notified = t.nextNotify();
    jobs.add(t.make({ initialDelayMs: 50 }));
    assertEquals(await t.wal.pending(), 0);
    await notified;
    const b = await t.batch(1);
    assertEquals(b.full, true);
    assertEquals(b.baselineSeq, 1n);
    assertEquals(b.managers, ["dpkg", "pip"]);
    assertEquals(b.total, 9);
    assertEquals(names(b).length, 9);
    assert(
      names(b).includes("dpkg/libc6:i386=2.36-9+deb12u14") && names(b).includes("pip/pyyaml:=6.0"),
    );
    assertEquals(b.errors, []);
  } finally {
    await jobs.stop(1000);
    await t.cleanUp();
  }
});

Deno.test("a change to a database is one delta, sent once; a check that finds none sends nothing", async () => {
  const t = await setUp();
  try {
    const job = t.make();
    assertEquals(await job.check(), 1);
    assertEquals(await job.check(), null);
    await t.editStatus(upgrade);
    assertEquals(await job.check(), 2);
    const d = await t.batch(2);
    assertEquals(d.full, false);
    assertEquals(d.baselineSeq, 1n);
    assertEquals(names(d), [
      "dpkg/curl:amd64=7.88.1-10+deb12u8",
      "dpkg/openssl:amd64=3.0.20-1~deb12u1",
    ]);
    assertEquals(removedNames(d), ["dpkg/zlib1g:amd64"]);
    assertEquals(d.total, 9);
    assertEquals(await job.check(), null);
    assertEquals(await t.wal.pending(), 2);
    // A rewrite with the same content changes the mtime, not the inventory: nothing goes.
    await t.editStatus((s) => s);
    assertEquals(await job.check(), null);
  } finally {
    await t.cleanUp();
  }
});

Deno.test("a restarted agent sends only what changed while it was down, on the same baseline", async () => {
  const t = await setUp();
  try {
    assertEquals(await t.make().check(), 1);
    // Restarted with nothing changed: nothing to send.
    assertEquals(await t.make().check(), null);
    await t.editStatus(upgrade);
    const seq = await t.make().check();
    assertEquals(seq, 2);
    const d = await t.batch(2);
    assertEquals([d.full, d.baselineSeq], [false, 1n]);
    assertEquals(names(d).length + removedNames(d).length, 3);
    assertEquals(await t.make().check(), null);
    // Another agent identity in the same KV (registered again) starts with a full inventory.
    assertEquals(await t.make({ agentId: "agent-2" }).check(), 3);
    assertEquals((await t.batch(3)).full, true);
  } finally {
    await t.cleanUp();
  }
});

Deno.test("a manager that cannot be read is an error in the batch, and its packages are not removed", async () => {
  const t = await setUp();
  try {
    const job = t.make();
    await job.check();
    await t.editStatus(() => "Package: half\nStatus: install ok installed\n");
    assertEquals(await job.check(), 2);
    const d = await t.batch(2);
    assertEquals(d.errors.map((e) => e.collector), ["dpkg"]);
    assert(d.errors[0].message.includes("has no Version"));
    assertEquals([names(d), removedNames(d), d.total], [[], [], 9]);
    // A full batch meanwhile still holds what was last read of it.
    const full = await t.batch(await job.resync());
    assertEquals([full.full, full.total, full.errors.length], [true, 9, 1]);
  } finally {
    await t.cleanUp();
  }
});

Deno.test("packagesResync appends a full inventory and answers its seq; without the job it is UNSUPPORTED", async () => {
  const t = await setUp();
  try {
    const job = t.make();
    await job.check();
    const opts = {
      wal: t.wal,
      configuredIntervalS: 30,
      collectors: [],
      roots: { root: t.root, procRoot: "/proc" },
      log: quiet,
    };
    const control = await AgentControl.open("agent-1", { ...opts, packages: job });
    const res = await control.answer({ id: 7, body: { case: "packagesResync", value: {} } });
    assertEquals(res, { id: 7, result: { case: "packagesResync", value: { seq: 2 } } });
    const b = await t.batch(2);
    assertEquals([b.full, b.baselineSeq, b.total], [true, 2n, 9]);
    // Later deltas build on the new baseline.
    await t.editStatus(upgrade);
    assertEquals((await t.batch((await job.check())!)).baselineSeq, 2n);

    const without = await AgentControl.open("agent-1", opts);
    const no = await without.answer({ id: 8, body: { case: "packagesResync", value: {} } });
    assertEquals(no.result.case === "error" && no.result.value.code, ControlError_Code.UNSUPPORTED);
  } finally {
    await t.cleanUp();
  }
});

Deno.test("an inventory over the batch bound goes as a full batch and deltas continuing it", async () => {
  const t = await setUp();
  try {
    // A budget of about 1 KiB of packages a batch (8 KiB is kept for the batch's own fields).
    const job = t.make({ maxBatchBytes: 9 * 1024 });
    await t.editStatus((s) =>
      s +
      Array.from({ length: 40 }, (_, i) =>
        `\nPackage: pkg-${i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-${i}\n`)
        .join("")
    );
    assertEquals(await job.check(), 1);
    const parts = [];
    for await (const e of t.wal.entries()) parts.push(await t.batch(e.seq));
    assert(parts.length > 1, `${parts.length} part`);
    assertEquals(parts.map((p) => p.full), [true, ...parts.slice(1).map(() => false)]);
    assert(parts.every((p) => p.baselineSeq === 1n));
    // Each says it is part of one inventory, so the hub logs none of it as a change.
    assert(parts.every((p) => p.partOfFull));
    let total = 0;
    for (const p of parts) {
      total += p.upsert.length;
      assertEquals(p.total, total);
    }
    assertEquals(total, 49);
  } finally {
    await t.cleanUp();
  }
});

Deno.test("a day without changes still sends a delta, empty, so the hub can check its count", async () => {
  const t = await setUp();
  try {
    let now = Date.now();
    const job = t.make({ now: () => now });
    assertEquals(await job.check(), 1);
    now += DAY_MS - 1;
    assertEquals(await job.check(), null);
    now += 1;
    assertEquals(await job.check(), 2);
    const d = await t.batch(2);
    assertEquals([d.full, names(d), removedNames(d), d.total], [false, [], [], 9]);
  } finally {
    await t.cleanUp();
  }
});

Deno.test("available updates go with the inventory, and a change of apt's lists is a delta of them", async () => {
  const t = await setUp();
  try {
    const lists = `${t.root}/var/lib/apt/lists`;
    await Deno.mkdir(lists, { recursive: true });
    for await (const e of Deno.readDir(fixture("apt/var/lib/apt/lists"))) {
      await Deno.copyFile(fixture(`apt/var/lib/apt/lists/${e.name}`), `${lists}/${e.name}`);
    }
    const job = t.make({ updates: [apt] });
    const full = await t.batch((await job.check())!);
    const updates = (b: PackageBatch) =>
      b.upsert.filter((p) => p.updateVersion).map((p) =>
        `${p.name} ${p.version} -> ${p.updateVersion}${p.securityUpdate ? " security" : ""}`
      ).sort();
    assertEquals(updates(full), [
      "base-files 12.4+deb12u11 -> 12.4+deb12u15",
      "bash 5.2.15-2+b8 -> 5.2.15-2+b13",
      "libssl3 3.0.19-1~deb12u2 -> 3.0.22-1~deb12u2 security",
      "openssl 3.0.19-1~deb12u2 -> 3.0.22-1~deb12u2 security",
      "zlib1g 1:1.2.13.dfsg-1 -> 1:1.2.13.dfsg-1+deb12u1 security",
    ]);
    assertEquals(await job.check(), null);
    // The security suite's list gone (a sources.list without it, after apt update).
    for await (const e of Deno.readDir(lists)) {
      if (e.name.includes("security")) await Deno.remove(`${lists}/${e.name}`);
    }
    const d = await t.batch((await job.check())!);
    assertEquals(updates(d), [
      "libssl3 3.0.19-1~deb12u2 -> 3.0.20-1~deb12u2",
      "openssl 3.0.19-1~deb12u2 -> 3.0.20-1~deb12u2",
    ]);
    assertEquals(
      d.upsert.filter((p) => !p.updateVersion).map((p) => p.name),
      ["zlib1g"],
    );
    assertEquals(removedNames(d), []);
  } finally {
    await t.cleanUp();
  }
});
