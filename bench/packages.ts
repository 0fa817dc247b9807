/**
 * bench/packages: the fleet version search ("which hosts run openssl older
 * than 3.0.15?") at 1,000 hosts × 2,000 packages (2 M inventory rows), on
 * SQLite and, with DATABASE_URL set, on PostgreSQL. The inventories are
 * written as ingest writes them (one full PackageBatch per host through the
 * package store). The search (the distinct names matched first, then the rows
 * of those names, compared in dpkg's order) is timed beside a plain scan of the
 * same rows, the inventory table filtered on the same substring, whose rows
 * the same comparison then filters; both give the same hosts, checked. The
 * headline is the scan's p95 over the search's, per store. It also reports the
 * bytes of a typical daily delta on the wire: an encoded AgentMessage with a
 * PackageBatch of a morning's unattended upgrades.
 *
 * The fleet: every host has the same 1,500 base packages and 500 of a pool of
 * 20,000 others (so ~21,500 distinct names), openssl at one of five versions,
 * and a few names that hold "openssl" (libssl3's neighbours: python3-openssl,
 * openssl-provider-legacy) on some hosts.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { AgentMessageSchema } from "../proto/gen/sightline/agent/v1/agent_pb.ts";
import { addHosts, onEachStore, percentile } from "./common.ts";
import { prng } from "../lib/prng.ts";
import type { Store } from "../hub/store/store.ts";
import type { InstalledPackage } from "../hub/store/packages/types.ts";
import { searchPackages } from "../hub/usecases/packages.ts";
import { matches } from "../lib/packages/versions.ts";
import { rows } from "../hub/store/sql.ts";
import type { SqliteStore } from "../hub/store/sqlite/store.ts";

const PREFIXES = ["lib", "python3-", "golang-", "node-", "perl-", "r-cran-", "fonts-", "gir1.2-"];
const WORDS = ["core", "utils", "data", "common", "dev", "bin", "tools", "doc", "runtime", "x11"];
const OPENSSL = ["3.0.11-1~deb12u2", "3.0.13-1~deb12u1", "3.0.14-1~deb12u1", "3.0.15-1~deb12u1"];

function nameOf(i: number): string {
  return `${PREFIXES[i % PREFIXES.length]}${WORDS[(i >> 3) % WORDS.length]}${i}`;
}

function versionOf(i: number, rand: () => number): string {
  const v = `${1 + (i % 9)}.${i % 23}.${Math.floor(rand() * 3)}`;
  return i % 5 === 0 ? `1:${v}-${1 + (i % 4)}+deb12u1` : `${v}-${1 + (i % 4)}`;
}

export function inventory(h: number, packages: number): InstalledPackage[] {
  const rand = prng(h + 1);
  const pkg = (name: string, version: string): InstalledPackage => ({
    manager: "dpkg",
    name,
    arch: "amd64",
    version,
    update_version: "",
    security: false,
  });
  const list = [pkg("openssl", OPENSSL[h % OPENSSL.length]), pkg("libssl3", OPENSSL[h % 4])];
  if (h % 3 === 0) list.push(pkg("python3-openssl", "23.0.0-1"));
  if (h % 7 === 0) list.push(pkg("openssl-provider-legacy", OPENSSL[h % 4]));
  const base = Math.floor(packages * 0.75);
  for (let i = 0; list.length < base; i++) list.push(pkg(nameOf(i), versionOf(i, rand)));
  const seen = new Set(list.map((p) => p.name));
  while (list.length < packages) {
    const i = 2000 + Math.floor(rand() * 20_000);
    const name = nameOf(i);
    if (seen.has(name)) continue;
    seen.add(name);
    list.push(pkg(name, versionOf(i, rand)));
  }
  return list;
}

/** The naive search: every inventory row scanned for the substring, compared after. */
async function plainScan(store: Store, name: string, version: string) {
  const db = (store as SqliteStore).db;
  const contains = db.dialect === "sqlite"
    ? "instr(lower(p.name), :q) > 0"
    : "strpos(lower(p.name), :q) > 0";
  const found = await db.run(rows(
    `SELECT p.host_id, h.name AS host_name, p.manager, p.name, p.version
    FROM packages p JOIN hosts h ON h.id = p.host_id WHERE ${contains}`,
    { q: name },
  ));
  return found.filter((r) => matches(String(r.manager), String(r.version), "lt", version));
}

/** A morning's unattended upgrades on one host, as the agent's delta carries them. */
function dailyDeltaBytes(): number {
  const upgraded = [
    ["openssl", "3.0.15-1~deb12u1"],
    ["libssl3", "3.0.15-1~deb12u1"],
    ["libc6", "2.36-9+deb12u9"],
    ["libc-bin", "2.36-9+deb12u9"],
    ["locales", "2.36-9+deb12u9"],
    ["tzdata", "2024b-0+deb12u1"],
    ["curl", "7.88.1-10+deb12u8"],
    ["libcurl4", "7.88.1-10+deb12u8"],
    ["linux-image-6.1.0-27-amd64", "6.1.115-1"],
    ["systemd", "252.31-1~deb12u1"],
    ["libsystemd0", "252.31-1~deb12u1"],
    ["udev", "252.31-1~deb12u1"],
  ];
  const msg = create(AgentMessageSchema, {
    kind: {
      case: "packages",
      value: {
        seq: 48_213n,
        unixMs: BigInt(Date.now()),
        full: false,
        baselineSeq: 47_001n,
        managers: ["dpkg", "pip"],
        upsert: [
          ...upgraded.map(([name, version]) => ({ manager: "dpkg", name, arch: "amd64", version })),
          // A new kernel beside the old one, and updates that became available overnight.
          {
            manager: "dpkg",
            name: "linux-image-6.1.0-28-amd64",
            arch: "amd64",
            version: "6.1.119-1",
          },
          {
            manager: "dpkg",
            name: "libexpat1",
            arch: "amd64",
            version: "2.5.0-1",
            updateVersion: "2.5.0-1+deb12u1",
            securityUpdate: true,
          },
          {
            manager: "dpkg",
            name: "git",
            arch: "amd64",
            version: "1:2.39.2-1.1",
            updateVersion: "1:2.39.5-0+deb12u1",
            securityUpdate: true,
          },
        ],
        removed: [{ manager: "dpkg", name: "linux-image-6.1.0-25-amd64", arch: "amd64" }],
        total: 2_000,
      },
    },
  });
  return toBinary(AgentMessageSchema, msg).length;
}

interface StoreResult {
  store: string;
  hosts: number;
  packages_per_host: number;
  rows: number;
  load_s: number;
  matches: number;
  search_ms: { p50: number; p95: number };
  scan_ms: { p50: number; p95: number };
  /** Scan p95 over search p95. */
  ratio: number;
}

export async function run({ full }: { full: boolean }) {
  const hosts = 1000, packages = 2000;
  const searches = full ? 100 : 30, scans = full ? 20 : 5;
  const results = await onEachStore(async (name, store): Promise<StoreResult> => {
    await addHosts(store, hosts, true);
    const t0 = performance.now();
    for (let h = 0; h < hosts; h++) {
      const upsert = inventory(h, packages);
      await store.packages.writeBatch(`h${h}`, {
        seq: 1,
        ts: Date.now(),
        full: true,
        baselineSeq: 1,
        managers: ["dpkg"],
        upsert,
        removed: [],
        total: upsert.length,
        errors: [],
        partOfFull: false,
      }, Date.now());
    }
    const loadS = (performance.now() - t0) / 1000;
    console.log(`${name}: ${hosts * packages} rows written in ${loadS.toFixed(1)} s`);
    const q = { name: "openssl", op: "lt" as const, version: "3.0.15" };
    const expected = (await plainScan(store, q.name, q.version)).map((r) => String(r.host_id))
      .sort();
    const searchMs: number[] = [], scanMs: number[] = [];
    let got: string[] = [];
    for (let i = 0; i < searches; i++) {
      const t = performance.now();
      const { hits } = await searchPackages(store, q);
      searchMs.push(performance.now() - t);
      got = hits.map((h) => h.host.id).sort();
    }
    for (let i = 0; i < scans; i++) {
      const t = performance.now();
      await plainScan(store, q.name, q.version);
      scanMs.push(performance.now() - t);
    }
    if (got.join() !== expected.join()) {
      throw new Error(`search and scan disagree: ${got.length} vs ${expected.length} rows`);
    }
    const r: StoreResult = {
      store: name,
      hosts,
      packages_per_host: packages,
      rows: hosts * packages,
      load_s: Math.round(loadS * 10) / 10,
      matches: got.length,
      search_ms: { p50: percentile(searchMs, 50), p95: percentile(searchMs, 95) },
      scan_ms: { p50: percentile(scanMs, 50), p95: percentile(scanMs, 95) },
      ratio: percentile(scanMs, 95) / percentile(searchMs, 95),
    };
    console.log(
      `${name}: openssl < 3.0.15 on ${got.length} hosts; search p50 ${
        r.search_ms.p50.toFixed(1)
      } ms p95 ${r.search_ms.p95.toFixed(1)} ms; plain scan p50 ${
        r.scan_ms.p50.toFixed(0)
      } ms p95 ${r.scan_ms.p95.toFixed(0)} ms`,
    );
    return r;
  });
  const delta = dailyDeltaBytes();
  console.log(`daily delta (15 upserts, 1 removal) on the wire: ${delta} bytes`);
  const headline = `packages: fleet version search p95 ${
    results.map((r) =>
      `${r.search_ms.p95.toFixed(1)} ms on ${r.store} (${
        r.ratio.toFixed(0)
      }× faster than a plain scan)`
    )
      .join(", ")
  } over ${hosts} hosts × ${packages} packages; a daily delta is ${delta} bytes`;
  return { headline, data: { results, daily_delta_bytes: delta } };
}
