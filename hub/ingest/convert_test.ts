import { roundSamples } from "../../lib/probes/metrics.ts";
import { create } from "@bufbuild/protobuf";
import { HelloSchema, MetricsBatchSchema } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { assertEquals, assertThrows } from "../../lib/assert.ts";
import { batchToStored, helloToInfo, InvalidMessage } from "./convert.ts";
import { summarize } from "../../lib/fleet.ts";
import { metric, METRIC_NAMES } from "../../lib/metrics.ts";

const NOW = Date.UTC(2026, 10, 24);

Deno.test("batchToStored() flattens a batch into series points and a snapshot", () => {
  const b = create(MetricsBatchSchema, {
    seq: 7n,
    unixMs: BigInt(NOW),
    intervalS: 30,
    cpu: { percent: 12.5, perCore: [10, 15], cores: 2 },
    memory: { totalBytes: 1000n, usedBytes: 400n },
    filesystems: [{ mount: "/", sizeBytes: 200n, usedBytes: 50n }],
    net: [{ iface: "eth0", rxBytes: 5n, rxBytesPerS: 1.5 }],
  });
  const s = batchToStored(b, NOW);
  assertEquals([s.seq, s.ts], [7, NOW]);
  const find = (m: string, l = "") => s.points.find((p) => p.metric === m && p.label === l)?.value;
  assertEquals(find("cpu_percent"), 12.5);
  assertEquals(find("cpu_core_percent", "1"), 15);
  assertEquals(find("mem_total_bytes"), 1000);
  assertEquals(find("fs_used_percent", "/"), 25);
  assertEquals(find("net_rx_bytes_per_s", "eth0"), 1.5);
  assertEquals(s.latest.mem_used_bytes, 400);
  assertEquals(summarize(s.latest).disk_used_percent, 25);
});

Deno.test("batchToStored() leaves rates out of the first batch after a start", () => {
  const b = create(MetricsBatchSchema, {
    seq: 1n,
    unixMs: BigInt(NOW),
    intervalS: 0,
    net: [{ iface: "eth0", rxBytes: 5n }],
  });
  assertEquals(batchToStored(b, NOW).points.filter((p) => p.metric.startsWith("net_")), []);
});

Deno.test("batchToStored() refuses a batch that breaks a limit", () => {
  const base = { seq: 1n, unixMs: BigInt(NOW) };
  assertThrows(
    () => batchToStored(create(MetricsBatchSchema, { ...base, seq: 0n }), NOW),
    InvalidMessage,
    "seq",
  );
  assertThrows(
    () => batchToStored(create(MetricsBatchSchema, { ...base, unixMs: 5n }), NOW),
    InvalidMessage,
    "plausible",
  );
  assertThrows(
    () =>
      batchToStored(create(MetricsBatchSchema, { ...base, unixMs: BigInt(NOW + 3_600_000) }), NOW),
    InvalidMessage,
    "plausible",
  );
  const many = Array.from({ length: 513 }, (_, i) => ({ iface: `e${i}` }));
  assertThrows(
    () => batchToStored(create(MetricsBatchSchema, { ...base, net: many }), NOW),
    InvalidMessage,
    "net",
  );
  const longName = [{ mount: "/" + "x".repeat(300) }];
  assertThrows(
    () => batchToStored(create(MetricsBatchSchema, { ...base, filesystems: longName }), NOW),
    InvalidMessage,
    "mount",
  );
});

Deno.test("helloToInfo() keeps known environments and a sane interval only", () => {
  const info = helloToInfo(create(HelloSchema, { environment: "mainframe", metricsIntervalS: 0 }));
  assertEquals([info.environment, info.interval_s], ["unknown", 30]);
  const ok = helloToInfo(create(HelloSchema, { environment: "vm", metricsIntervalS: 10 }));
  assertEquals([ok.environment, ok.interval_s], ["vm", 10]);
});

Deno.test("batchToStored() drops values a metric cannot have, from the series and the snapshot, and lists them", () => {
  const b = create(MetricsBatchSchema, {
    seq: 3n,
    unixMs: BigInt(NOW),
    intervalS: 30,
    cpu: { percent: -50, user: 1e308, system: 5, perCore: [10, 101], cores: 2 },
    memory: { totalBytes: 100n, usedBytes: 2n ** 64n - 1n, availableBytes: 40n },
    load: { load1: 0.5, load5: Number.NaN, load15: 1 },
    uptimeS: 1e308,
    filesystems: [{ mount: "/", sizeBytes: 100n, usedBytes: 500n }],
    net: [{ iface: "eth0", rxBytesPerS: -1, txBytesPerS: 10 }],
    temperatures: [{ sensor: "cpu", celsius: -1e308 }, { sensor: "gpu", celsius: 55 }],
  });
  const s = batchToStored(b, NOW);
  const series = (m: string, l = "") =>
    s.points.find((p) => p.metric === m && p.label === l)?.value;
  // Impossible: gone from the series…
  for (
    const [m, l] of [
      ["cpu_percent", ""],
      ["cpu_user", ""],
      ["cpu_core_percent", "1"],
      ["mem_used_bytes", ""],
      ["load5", ""],
      ["uptime_s", ""],
      ["fs_used_bytes", "/"],
      ["fs_used_percent", "/"],
      ["net_rx_bytes_per_s", "eth0"],
      ["temp_celsius", "cpu"],
    ]
  ) assertEquals(series(m, l), undefined, `${m}{${l}} is not stored`);
  // …and from what the dashboard shows, while the possible values stay.
  assertEquals([s.latest.cpu_percent, s.latest.mem_used_bytes, s.latest.uptime_s], [
    null,
    null,
    null,
  ]);
  assertEquals([series("cpu_system"), series("cpu_core_percent", "0"), series("mem_total_bytes")], [
    5,
    10,
    100,
  ]);
  assertEquals([
    series("load1"),
    series("net_tx_bytes_per_s", "eth0"),
    series("temp_celsius", "gpu"),
  ], [
    0.5,
    10,
    55,
  ]);
  assertEquals(s.dropped.length, 9); // fs_used_percent follows from fs_used_bytes, not counted twice
  assertEquals(s.latest.invalid_values, 9);
  assertEquals(s.dropped.find((d) => d.metric === "temp_celsius")?.label, "cpu");
});

Deno.test("batchToStored() and a check batch's samples name only metrics of the catalogue, and every one of them appears", () => {
  const b = create(MetricsBatchSchema, {
    seq: 1n,
    unixMs: BigInt(NOW),
    intervalS: 10,
    cpu: { percent: 1, user: 1, system: 1, iowait: 1, steal: 1, perCore: [1], cores: 1 },
    memory: {
      totalBytes: 10n,
      usedBytes: 1n,
      availableBytes: 1n,
      cachedBytes: 1n,
      swapTotalBytes: 10n,
      swapUsedBytes: 1n,
    },
    load: { load1: 1, load5: 1, load15: 1 },
    uptimeS: 10,
    filesystems: [{ mount: "/", sizeBytes: 10n, usedBytes: 1n }],
    disks: [{ device: "sda", readBytesPerS: 1, writeBytesPerS: 1 }],
    net: [{ iface: "eth0", rxBytesPerS: 1, txBytesPerS: 1 }],
    temperatures: [{ sensor: "cpu", celsius: 40 }],
    containersListed: true,
    containers: [{
      id: "a".repeat(64),
      name: "web",
      state: "running",
      hasStats: true,
      memBytes: 1n,
      hasRates: true,
      cpuPercent: 1,
      netRxBytesPerS: 1,
      netTxBytesPerS: 1,
      blockReadBytesPerS: 1,
      blockWriteBytesPerS: 1,
    }],
  });
  const names = new Set(batchToStored(b, NOW).points.map((p) => p.metric));
  // The check series come in check batches (lib/probes/metrics.ts), never in a metrics batch.
  const fromRounds = roundSamples([{ check_id: "c1", ok: true, ms: 1 }]).map((p) => p.metric);
  assertEquals(
    [...names, ...fromRounds].sort(),
    [...METRIC_NAMES].sort(),
  );
  for (const p of batchToStored(b, NOW).points) {
    assertEquals(
      metric(p.metric)?.label === "" ? "" : "labelled",
      p.label === "" ? "" : "labelled",
    );
  }
});

Deno.test("helloToInfo() removes from an agent's hostname what would hide or rearrange it", () => {
  const info = helloToInfo(create(HelloSchema, { hostname: "web\u001b[31m01\u0000\u202E" }));
  assertEquals(info.hostname, "web[31m01");
});

Deno.test("batchToStored() turns containers into series by name, and drops and counts a bad one", () => {
  const id = (n: number) => String(n).repeat(64);
  const ok = {
    id: id(1),
    name: "web",
    image: "nginx:1.27",
    state: "running",
    restartCount: 2,
    createdUnixMs: BigInt(NOW - 60_000),
    startedUnixMs: BigInt(NOW - 30_000),
    hasStats: true,
    memBytes: 4096n,
    hasRates: true,
    cpuPercent: 150,
    netRxBytesPerS: 10,
  };
  const b = create(MetricsBatchSchema, {
    seq: 3n,
    unixMs: BigInt(NOW),
    intervalS: 30,
    containersListed: true,
    containerEngine: "docker 27.0",
    containers: [
      ok,
      // First cycle of a container: memory, no rates yet.
      { ...ok, id: id(2), name: "db", hasRates: false, cpuPercent: 0 },
      { ...ok, id: id(3), name: "stopped", state: "exited", hasStats: false },
      { ...ok, id: id(4), name: "../../etc" },
      { ...ok, id: id(5), name: "x", state: "on fire" },
      { ...ok, id: id(6), name: "y", cpuPercent: Number.NaN },
    ],
    containerEvents: [
      { unixMs: BigInt(NOW - 1000), containerId: id(1), name: "web", action: "die", exitCode: 137 },
      { unixMs: BigInt(NOW - 500), containerId: id(1), name: "web", action: "exec_start" },
    ],
  });
  const s = batchToStored(b, NOW);
  const find = (m: string, l: string) => s.points.find((p) => p.metric === m && p.label === l);
  assertEquals(find("container_cpu_percent", "web")?.value, 150);
  assertEquals(find("container_mem_bytes", "db")?.value, 4096);
  assertEquals(find("container_cpu_percent", "db"), undefined);
  assertEquals(find("container_mem_bytes", "stopped"), undefined);
  assertEquals(find("container_cpu_percent", "y"), undefined);
  const c = s.containers!;
  assertEquals(c.containers.map((x) => [x.name, x.state, x.cpu_percent, x.mem_bytes]), [
    ["web", "running", 150, 4096],
    ["db", "running", null, 4096],
    ["stopped", "exited", null, null],
    ["y", "running", null, 4096],
  ]);
  assertEquals(c.containers[0].started_at, NOW - 30_000);
  assertEquals(c.events.map((e) => [e.action, e.exit_code]), [["die", 137]]);
  assertEquals([c.listed, c.engine], [true, "docker 27.0"]);
  // The bad name, the bad state, the NaN CPU and the unknown event action.
  assertEquals(s.dropped.length, 4);
  assertEquals(s.latest.containers, { engine: "docker 27.0", total: 4, running: 3 });
  for (const p of s.points) assertEquals(metric(p.metric) !== undefined, true, p.metric);
});

Deno.test("batchToStored() keeps a host's first 2,048 containers and counts the rest, storing the batch", () => {
  const many = Array.from({ length: 2050 }, (_, i) => ({
    id: i.toString(16).padStart(64, "0"),
    name: `c${i}`,
    state: "exited",
  }));
  const b = create(MetricsBatchSchema, {
    seq: 1n,
    unixMs: BigInt(NOW),
    cpu: { percent: 5 },
    containersListed: true,
    containers: many,
  });
  const s = batchToStored(b, NOW);
  assertEquals(s.containers!.containers.length, 2048);
  assertEquals(s.dropped.length, 2);
  assertEquals(s.latest.cpu_percent, 5);
});

Deno.test("batchToStored() has no container report from an agent that did not list", () => {
  const b = create(MetricsBatchSchema, { seq: 1n, unixMs: BigInt(NOW) });
  assertEquals(batchToStored(b, NOW).containers, null);
});
