import { fromBinary } from "@bufbuild/protobuf";
import { AgentMessageSchema } from "../proto/gen/sightline/agent/v1/agent_pb.ts";
import { assert, assertEquals } from "../lib/assert.ts";
import { backoffMs, encodeBatch } from "./transport.ts";

Deno.test("backoffMs() doubles up to the cap, keeping half of it fixed and half random", () => {
  assertEquals(backoffMs(0, 30, () => 0), 500);
  assertEquals(backoffMs(0, 30, () => 1), 1000);
  assertEquals(backoffMs(3, 30, () => 0.5), 6000);
  assertEquals(backoffMs(10, 30, () => 1), 30_000);
  assertEquals(backoffMs(100, 30, () => 0), 15_000);
  const spread = new Set(Array.from({ length: 20 }, () => backoffMs(4, 30)));
  assert(spread.size > 1, "jittered");
});

Deno.test("encodeBatch() writes an AgentMessage the hub decodes back", () => {
  const bytes = encodeBatch(42, {
    unixMs: 1_795_000_000_000,
    intervalS: 30,
    memory: {
      totalBytes: 2 ** 40,
      usedBytes: 1,
      availableBytes: 2,
      cachedBytes: 3,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    },
    filesystems: [{
      mount: "/",
      device: "/dev/sda1",
      fstype: "ext4",
      sizeBytes: 10,
      usedBytes: 5,
      availBytes: 5,
    }],
    disks: [],
    net: [],
    temperatures: [{ sensor: "cpu", celsius: 40 }],
    errors: [{ collector: "disk", message: "nope" }],
  });
  const msg = fromBinary(AgentMessageSchema, bytes);
  assertEquals(msg.kind.case, "metrics");
  if (msg.kind.case !== "metrics") return;
  assertEquals(msg.kind.value.seq, 42n);
  assertEquals(msg.kind.value.memory?.totalBytes, 2n ** 40n);
  assertEquals(msg.kind.value.filesystems[0].mount, "/");
  assertEquals(msg.kind.value.errors[0].message, "nope");
});
