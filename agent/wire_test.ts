import { create, type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  AgentMessageSchema,
  AgentService,
  HeartbeatSchema,
  HelloSchema,
  HubMessageSchema,
  MetricsBatchSchema,
  RegisterRequestSchema,
  RegisterResponseSchema,
} from "../proto/gen/sightline/agent/v1/agent_pb.ts";
import { assert, assertEquals, assertThrows } from "../lib/assert.ts";
import type { Snapshot } from "./collectors/types.ts";
import {
  decodeHubMessage,
  decodeRegisterResponse,
  encodeBatch,
  encodeHeartbeat,
  encodeHello,
  encodeRegisterRequest,
  METHODS,
} from "./wire.ts";

/** A snapshot with every field set to something other than its default. */
const FULL: Snapshot = {
  unixMs: 1_795_000_000_123,
  intervalS: 30.5,
  cpu: { percent: 12.5, user: 8, system: 3, iowait: 1, steal: 0.5, perCore: [10, 15], cores: 2 },
  memory: {
    totalBytes: 2 ** 40,
    usedBytes: 2 ** 33 + 1,
    availableBytes: 3,
    cachedBytes: 4,
    swapTotalBytes: 5,
    swapUsedBytes: 6,
  },
  load: { load1: 0.5, load5: 0.25, load15: 0.125 },
  uptimeS: 86_400.5,
  filesystems: [{
    mount: "/",
    device: "/dev/sda1",
    fstype: "ext4",
    sizeBytes: 10,
    usedBytes: 5,
    availBytes: 4,
  }],
  disks: [{
    device: "sda",
    readBytes: 1,
    writeBytes: 2,
    reads: 3,
    writes: 4,
    readBytesPerS: 5.5,
    writeBytesPerS: 6.5,
  }],
  net: [{
    iface: "eth0",
    rxBytes: 2 ** 50,
    txBytes: 2,
    rxPackets: 3,
    txPackets: 4,
    rxErrors: 5,
    txErrors: 6,
    rxDrops: 7,
    txDrops: 8,
    rxBytesPerS: 9.5,
    txBytesPerS: 10.5,
  }],
  temperatures: [{ sensor: "cpu", celsius: 40.5 }],
  errors: [{ collector: "disk", message: "nope" }],
  containers: {
    listed: true,
    engine: "docker 20.10.24",
    containers: [{
      id: "a".repeat(64),
      name: "web",
      image: "nginx:1.27",
      state: "running",
      health: "healthy",
      restartCount: 1,
      createdUnixMs: 1_795_000_000_000,
      startedUnixMs: 1_795_000_000_001,
      hasStats: true,
      memBytes: 2 ** 33,
      memLimitBytes: 2 ** 34,
      hasRates: true,
      cpuPercent: 150.5,
      netRxBytesPerS: 1.5,
      netTxBytesPerS: 2.5,
      blockReadBytesPerS: 3.5,
      blockWriteBytesPerS: 4.5,
    }],
    events: [{
      unixMs: 1_795_000_000_002,
      containerId: "a".repeat(64),
      name: "web",
      image: "nginx:1.27",
      action: "health_status",
      exitCode: 137,
      health: "healthy",
    }],
  },
};

/**
 * Fails naming every field of `schema` that `msg` leaves at its default:
 * given a fixture that sets them all, that is a field the codec does not write.
 */
function assertEveryField(schema: DescMessage, msg: Record<string, unknown>, path = ""): void {
  for (const f of schema.fields) {
    const name = `${path}${schema.name}.${f.name}`;
    const v = msg[f.localName];
    if (f.fieldKind === "message") {
      assert(v !== undefined, `${name} is not written by the agent's encoder`);
      assertEveryField(f.message, v as Record<string, unknown>, `${name} → `);
    } else if (f.fieldKind === "list") {
      const list = v as unknown[];
      assert(list.length > 0, `${name} is not written by the agent's encoder`);
      if (f.listKind === "message") {
        assertEveryField(f.message, list[0] as Record<string, unknown>, `${name} → `);
      }
    } else {
      assert(v !== 0 && v !== 0n && v !== "" && v !== false, `${name} is not written`);
    }
  }
}

function decodeAgentMessage(bytes: Uint8Array) {
  return fromBinary(AgentMessageSchema, bytes).kind;
}

Deno.test("encodeBatch() writes the MetricsBatch the generated schema writes, every field", () => {
  const bytes = encodeBatch(42, FULL);
  const kind = decodeAgentMessage(bytes);
  assertEquals(kind.case, "metrics");
  if (kind.case !== "metrics") return;
  assertEveryField(MetricsBatchSchema, kind.value as unknown as Record<string, unknown>);
  assertEquals(kind.value.seq, 42n);
  assertEquals(kind.value.memory?.totalBytes, 2n ** 40n);
  assertEquals(kind.value.net[0].rxBytes, 2n ** 50n);
  assertEquals(kind.value.cpu?.perCore, [10, 15]);
  // Byte for byte what protobuf-es writes for the same message.
  assertEquals(toBinary(AgentMessageSchema, fromBinary(AgentMessageSchema, bytes)), bytes);
});

Deno.test("encodeBatch() leaves out what a snapshot lacks, as proto3 does", () => {
  const bytes = encodeBatch(1, {
    unixMs: 1_795_000_000_000,
    intervalS: 0,
    filesystems: [],
    disks: [],
    net: [],
    temperatures: [],
    errors: [],
  });
  const kind = decodeAgentMessage(bytes);
  if (kind.case !== "metrics") throw new Error(`not metrics: ${kind.case}`);
  assertEquals(kind.value.cpu, undefined);
  assertEquals(kind.value.memory, undefined);
  assertEquals(kind.value.uptimeS, 0);
  assertEquals(toBinary(AgentMessageSchema, fromBinary(AgentMessageSchema, bytes)), bytes);
});

Deno.test("encodeHello() and encodeHeartbeat() write every field of Hello and Heartbeat", () => {
  const hello = decodeAgentMessage(encodeHello({
    agentVersion: "0.1.0",
    hostname: "web-1",
    os: "linux",
    arch: "x86_64",
    kernel: "6.1.0",
    environment: "vm",
    droppedBatches: 3,
    ips: ["10.0.0.1", "fd00::1"],
    metricsIntervalS: 30,
    desiredVersion: 4,
  }));
  if (hello.case !== "hello") throw new Error(`not hello: ${hello.case}`);
  assertEveryField(HelloSchema, hello.value as unknown as Record<string, unknown>);
  assertEquals(hello.value.ips, ["10.0.0.1", "fd00::1"]);

  const beat = decodeAgentMessage(
    encodeHeartbeat({ unixMs: 1_795_000_000_000, droppedBatches: 1, pendingBatches: 2 }),
  );
  if (beat.case !== "heartbeat") throw new Error(`not heartbeat: ${beat.case}`);
  assertEveryField(HeartbeatSchema, beat.value as unknown as Record<string, unknown>);
  assertEquals(beat.value.unixMs, 1_795_000_000_000n);
});

Deno.test("encodeRegisterRequest() and decodeRegisterResponse() match the generated schema", () => {
  const req = fromBinary(
    RegisterRequestSchema,
    encodeRegisterRequest({
      token: "sl_reg_x",
      hostname: "web-1",
      agentVersion: "0.1.0",
      os: "linux",
      arch: "x86_64",
    }),
  );
  assertEveryField(RegisterRequestSchema, req as unknown as Record<string, unknown>);

  const key = crypto.getRandomValues(new Uint8Array(32));
  const res = decodeRegisterResponse(toBinary(
    RegisterResponseSchema,
    create(RegisterResponseSchema, { agentId: "a1", agentKey: key, caPem: "PEM", hostName: "w" }),
  ));
  assertEquals(res, { agentId: "a1", agentKey: key, caPem: "PEM", hostName: "w" });
});

Deno.test("decodeHubMessage() reads Welcome and Ack, and skips what it does not know", () => {
  const hub = (kind: Parameters<typeof create<typeof HubMessageSchema>>[1]) =>
    toBinary(HubMessageSchema, create(HubMessageSchema, kind));
  assertEquals(decodeHubMessage(hub({ kind: { case: "welcome", value: { lastSeq: 7n } } })), {
    kind: { case: "welcome", value: { lastSeq: 7 } },
  });
  assertEquals(
    decodeHubMessage(hub({ kind: { case: "ack", value: { seq: 9n, rejected: "too big" } } })),
    { kind: { case: "ack", value: { seq: 9, rejected: "too big" } } },
  );
  assertEquals(decodeHubMessage(hub({ kind: { case: "welcome", value: {} } })), {
    kind: { case: "welcome", value: { lastSeq: 0 } },
  });
  // A case a newer hub may send (field 15) and an unknown field inside an Ack.
  assertEquals(
    decodeHubMessage(new Uint8Array([0x7a, 0x01, 0x08, 0x0a, 0x04, 0x08, 0x05, 0x18, 1])),
    { kind: { case: "ack", value: { seq: 5, rejected: "" } } },
  );
  assertEquals(decodeHubMessage(new Uint8Array()), { kind: { case: undefined } });
  assertThrows(() => decodeHubMessage(new Uint8Array([0x0a, 0x09, 0x08])), Error);
});

Deno.test("METHODS are the paths of the generated service's RPCs", () => {
  assertEquals(
    Object.values(METHODS).sort(),
    AgentService.methods.map((m) => `/${AgentService.typeName}/${m.name}`).sort(),
  );
});
