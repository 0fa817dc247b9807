/**
 * The fleet bench/alerts judges: hosts with tags, 46 rules of a realistic mix
 * beside the 4 defaults (thresholds with label selectors, scopes by tag and by
 * host list, per-host overrides and exclusions, offline, nodata, collector
 * and WAL rules), and each host's batch for one 30 s pass, encoded as an
 * agent sends it (bench/alerts-engine decodes it in process; bench/alerts has
 * the load generator send it to real hubs).
 *
 * Most values stay well below every threshold. A rotating 1.5 % of hosts is
 * "hot" for six passes at a time (one or two metrics past their rules), and
 * 0.5 % has a collector failing, so transitions happen all through a run.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import {
  AgentMessageSchema,
  type MetricsBatch,
  MetricsBatchSchema,
} from "../proto/gen/sightline/agent/v1/agent_pb.ts";
import { checkRule } from "../lib/alerts/rules.ts";
import { openHubStore } from "../tests/harness.ts";
import { hashSecret, newRegistrationToken } from "../hub/auth/secrets.ts";
import type { AlertRule } from "../lib/alerts/rules.ts";

const GIB = 2 ** 30;
/** Passes a host stays hot (or cool) for. */
const EPISODE = 6;

/** The tags of host `h`: a role, where it runs, its stage. */
export function tagsOf(h: number): string[] {
  const role = ["web", "web", "web", "db", "batch", "edge", "web", "cache"][h % 8];
  return [role, h % 2 ? "vm" : "metal", h % 10 === 0 ? "staging" : "prod"];
}

/** Whether host `h` is past some thresholds in pass `pass`. */
export function hot(h: number, pass: number): boolean {
  return (h + 37 * Math.floor(pass / EPISODE)) % 67 === 0;
}

/** Hosts `h{from}`… `h{from + n - 1}`, a team's host list. */
const hostList = (from: number, n: number) => Array.from({ length: n }, (_, i) => `h${from + i}`);

/** The 46 rules added to the defaults, checked as the REST API checks them. */
export function fleetRules(hosts: number): AlertRule[] {
  const team = Math.max(20, Math.floor(hosts / 100)); // a team owns 1 % of the fleet
  const someHosts = (k: number) => hostList(k * team, team);
  const overrides = (n: number, threshold: number, recover: number) =>
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`h${(i * 97) % hosts}`, { threshold, recover }]),
    );
  /** A threshold rule: `metric op threshold`, with whatever else it sets. */
  const over = (metric: string, threshold: number, more: Record<string, unknown> = {}) => ({
    metric,
    op: ">",
    threshold,
    ...more,
  });
  const specs: Array<Record<string, unknown>> = [
    over("cpu_percent", 95, { for_s: 60, severity: "critical", scope: { tag: "db" } }),
    over("cpu_percent", 85, { recover: 75, for_s: 600, scope: { tag: "web" } }),
    over("cpu_percent", 98, { scope: { tag: "edge" }, exclude: someHosts(3) }),
    over("cpu_iowait", 30, { for_s: 120 }),
    over("cpu_steal", 15, { for_s: 300, scope: { tag: "vm" } }),
    over("cpu_system", 50, { for_s: 300 }),
    over("cpu_core_percent", 99, { labels: { core: "*" }, for_s: 600, scope: { tag: "batch" } }),
    over("mem_used_percent", 95, { for_s: 60, critical: 98, exclude: someHosts(1) }),
    over("mem_used_percent", 80, {
      for_s: 300,
      scope: { tag: "db" },
      overrides: overrides(40, 90, 85),
    }),
    over("swap_used_bytes", 4 * GIB, { for_s: 300 }),
    { metric: "mem_available_bytes", op: "<", threshold: GIB / 4, recover: GIB / 2, for_s: 60 },
    over("load1", 16, { recover: 12, for_s: 120, overrides: overrides(100, 64, 48) }),
    over("load1", 8, { for_s: 300, scope: { tag: "web" } }),
    over("load5", 12, { for_s: 300 }),
    over("load15", 10, { for_s: 600, scope: { tag: "prod" } }),
    over("fs_used_percent", 85, { labels: { mount: "/" }, critical: 95 }),
    over("fs_used_percent", 80, { labels: { mount: "/var" }, for_s: 120, scope: { tag: "db" } }),
    over("fs_used_percent", 75, { labels: { mount: "*" }, for_s: 600, scope: { tag: "batch" } }),
    over("fs_used_percent", 95, { labels: { mount: "/home" }, scope: { hosts: someHosts(2) } }),
    over("fs_used_percent", 70, { labels: { mount: "*" }, scope: { tag: "staging" } }),
    over("net_rx_bytes_per_s", 1e9, { labels: { iface: "*" }, for_s: 60 }),
    over("net_tx_bytes_per_s", 1e9, { labels: { iface: "*" }, for_s: 60 }),
    over("net_rx_bytes_per_s", 5e8, {
      labels: { iface: "eth0" },
      for_s: 300,
      scope: { tag: "edge" },
    }),
    over("net_tx_bytes_per_s", 2e8, { labels: { iface: "eth1" }, scope: { hosts: someHosts(4) } }),
    over("disk_read_bytes_per_s", 5e8, { labels: { device: "*" }, for_s: 300 }),
    over("disk_write_bytes_per_s", 3e8, { labels: { device: "*" }, for_s: 300 }),
    over("disk_write_bytes_per_s", 1e9, { labels: { device: "nvme0n1" }, scope: { tag: "db" } }),
    over("temp_celsius", 85, { labels: { sensor: "*" }, recover: 80, for_s: 60, critical: 95 }),
    over("temp_celsius", 80, { labels: { sensor: "core_0" }, for_s: 120, scope: { tag: "edge" } }),
    { metric: "uptime_s", op: "<", threshold: 600, recover: 600, scope: { tag: "prod" } },
    // Teams watching their own hosts more closely.
    ...[0, 1, 2, 3, 4, 5, 6, 7].map((k) => ({
      metric: ["cpu_percent", "mem_used_percent", "load1", "cpu_iowait"][k % 4],
      op: ">",
      threshold: [70, 75, 6, 15][k % 4],
      for_s: 120,
      scope: { hosts: someHosts(k) },
    })),
    { kind: "offline", for_s: 30, severity: "critical", scope: { tag: "db" } },
    { kind: "offline", for_s: 600, scope: { tag: "staging" } },
    { kind: "nodata", metric: "cpu_percent", for_s: 120 },
    { kind: "nodata", metric: "temp_celsius", for_s: 300, scope: { tag: "edge" } },
    { kind: "nodata", metric: "fs_used_percent", labels: { mount: "/" }, for_s: 300 },
    { kind: "collector_failing", for_s: 120 },
    { kind: "collector_failing", labels: { collector: "filesystems" }, severity: "critical" },
    { kind: "wal_dropping", for_s: 600 },
  ];
  return specs.map((spec, i) => {
    const c = checkRule({ name: `bench rule ${i}`, ...spec });
    if (!c.ok) throw new Error(`bench rule ${i}: ${c.error.field}: ${c.error.problem}`);
    return { ...c.rule, id: `bench-${i}` };
  });
}

/**
 * Host `h`'s batch in pass `pass` (seq `pass + 1`, `ts`) as its agent sends it; `failing` the
 * collectors it reports failing.
 */
export function hostMessage(h: number, pass: number, ts: number): MetricsBatch {
  /** A steady value for this host, wandering a little from pass to pass. */
  const v = (k: number, lo: number, hi: number) =>
    lo + (hi - lo) * (((h * 31 + k * 17) % 89) / 89 * 0.8 + ((pass + k) % 5) / 5 * 0.2);
  const heat = hot(h, pass) ? h % 4 : -1;
  const failing = failingOf(h);
  const mem = 64 * GIB;
  const sizes = [50 * GIB, 200 * GIB, 1000 * GIB];
  const b = create(MetricsBatchSchema, {
    seq: BigInt(pass + 1),
    unixMs: BigInt(ts),
    intervalS: 30,
    uptimeS: 86_400 * 30 + pass * 30,
    cpu: {
      percent: heat === 0 ? 97 : v(0, 5, 60),
      user: v(1, 3, 40),
      system: v(2, 1, 10),
      iowait: heat === 1 ? 45 : v(3, 0, 5),
      steal: v(4, 0, 2),
      cores: 8,
      perCore: Array.from({ length: 8 }, (_, c) => v(10 + c, 0, 70)),
    },
    memory: {
      totalBytes: BigInt(mem),
      usedBytes: BigInt(Math.round(mem * (heat === 2 ? 0.97 : v(5, 0.3, 0.75)))),
      availableBytes: BigInt(Math.round(mem * v(6, 0.2, 0.6))),
      cachedBytes: BigInt(Math.round(mem * v(7, 0.05, 0.2))),
      swapTotalBytes: BigInt(8 * GIB),
      swapUsedBytes: BigInt(Math.round(GIB * v(8, 0, 1))),
    },
    load: { load1: heat === 0 ? 20 : v(20, 0.2, 4), load5: v(21, 0.2, 4), load15: v(22, 0.2, 4) },
    filesystems: ["/", "/var", "/home"].map((mount, i) => ({
      mount,
      device: `/dev/sda${i + 1}`,
      fstype: "ext4",
      sizeBytes: BigInt(sizes[i]),
      usedBytes: BigInt(
        Math.round(sizes[i] * (heat === 3 && i === 1 ? 0.96 : v(30 + i, 0.2, 0.68))),
      ),
      availBytes: BigInt(Math.round(sizes[i] * 0.3)),
    })),
    disks: ["sda", "nvme0n1"].map((device, i) => ({
      device,
      readBytesPerS: v(40 + i, 1e4, 5e7),
      writeBytesPerS: v(42 + i, 1e4, 3e7),
    })),
    net: ["eth0", "eth1"].map((iface, i) => ({
      iface,
      rxBytesPerS: v(50 + i, 1e3, 5e7),
      txBytesPerS: v(52 + i, 1e3, 2e7),
    })),
    temperatures: failing.length ? [] : Array.from({ length: 8 }, (_, t) => ({
      sensor: `core_${t}`,
      celsius: heat === 1 && t === 0 ? 92 : v(60 + t, 38, 70),
    })),
    errors: failing.map((collector) => ({ collector, message: "no sensors found" })),
  });
  return b;
}

/** The collectors host `h` reports failing. */
const failingOf = (h: number) => h % 200 === 7 ? ["temperatures"] : [];

/** An AgentMessage carrying {@link hostMessage}'s batch, encoded. */
export function hostBytes(h: number, pass: number, ts: number): Uint8Array {
  return toBinary(
    AgentMessageSchema,
    create(AgentMessageSchema, { kind: { case: "metrics", value: hostMessage(h, pass, ts) } }),
  );
}

/** Hosts h0…h{n-1} with their tags and one-time tokens, made in the hub's store (both alerts benches). */
export async function fleet(hub: { env: Record<string, string> }, n: number): Promise<string[]> {
  const store = openHubStore(hub);
  const tokens: string[] = [];
  try {
    for (let h = 0; h < n; h++) {
      const token = newRegistrationToken();
      await store.hosts.create({
        hostId: `h${h}`,
        name: null,
        tokenHash: hashSecret(token),
        createdAt: Date.now(),
        expiresAt: Date.now() + 3_600_000,
      });
      await store.hosts.setTags(`h${h}`, tagsOf(h));
      tokens.push(token);
    }
  } finally {
    await store.close();
  }
  return tokens;
}
