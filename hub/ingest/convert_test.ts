import { create } from "@bufbuild/protobuf";
import { HelloSchema, MetricsBatchSchema } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { assertEquals, assertThrows } from "../../lib/assert.ts";
import { batchToStored, helloToInfo, InvalidMessage, summarize } from "./convert.ts";

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
