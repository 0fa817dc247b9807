import { assertEquals, assertThrows } from "../../lib/assert.ts";
import { create } from "@bufbuild/protobuf";
import { LogBatchSchema } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { InvalidMessage } from "./convert.ts";
import { liveLines, logBatchToStored } from "./logs.ts";

const NOW = Date.UTC(2026, 5, 1);

Deno.test("logBatchToStored() takes lines as untrusted: NUL, length, level, clock", () => {
  const b = create(LogBatchSchema, {
    seq: 7n,
    unixMs: BigInt(NOW),
    droppedLines: 12n,
    lines: [
      {
        unixMs: BigInt(NOW - 5),
        sourceId: "s1",
        origin: "/a.log",
        level: "error",
        message: "a\0b",
      },
      {
        unixMs: BigInt(NOW + 3_600_000),
        sourceId: "s1",
        origin: "/a.log",
        level: "LOUD",
        message: "x".repeat(40_000),
      },
      {
        unixMs: 0n,
        sourceId: "s2",
        origin: "journal",
        unit: "nginx.service",
        level: "info",
        message: "j",
      },
    ],
    errors: [{ collector: "logs:s9", message: "outside the allow-list" }],
  });
  const s = logBatchToStored(b, NOW);
  assertEquals(s.seq, 7);
  assertEquals(s.dropped, 12);
  assertEquals(s.lines.map((l) => [l.ts, l.level, l.origin]), [
    [NOW - 5, "error", "/a.log"],
    [NOW, "", "/a.log"],
    [NOW, "info", "journal:nginx.service"],
  ]);
  assertEquals(s.lines[0].message, "a\uFFFDb");
  assertEquals(s.lines[1].message.length, 16 * 1024 + 16 + " …[cut]".length);
  assertEquals(s.errors, [{ source_id: "s9", message: "outside the allow-list" }]);
  const live = liveLines("h1", s);
  assertEquals([live.id, live.count, live.lines[1].message.length], ["h1", 3, 1001]);
});

Deno.test("logBatchToStored() refuses a batch past the protocol's limits", () => {
  const b = create(LogBatchSchema, {
    seq: 1n,
    lines: Array.from({ length: 20_001 }, () => ({ message: "x" })),
  });
  assertThrows(() => logBatchToStored(b, NOW), InvalidMessage, "lines has more than 20000");
});
