/**
 * The generated lean codec (agent_lean.ts) against protobuf-es's generated
 * schema (agent_pb.ts), for every message of the file: a message with every
 * field set (each oneof case in turn) written by protobuf-es is read by the
 * lean codec into the same values, and written back byte for byte; so a bug
 * in protoc-gen-lean, or a .proto change not regenerated, fails here.
 */
import {
  create,
  type DescMessage,
  equals,
  fromBinary,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { file_sightline_agent_v1_agent } from "../gen/sightline/agent/v1/agent_pb.ts";
import * as lean from "../gen/sightline/agent/v1/agent_lean.ts";
import { assert, assertEquals, assertThrows } from "../../lib/assert.ts";
import { prng } from "../../lib/prng.ts";

const MESSAGES = [...nestedTypes(file_sightline_agent_v1_agent)].filter((d): d is DescMessage =>
  d.kind === "message"
);

type Codec = { encode(m: unknown): Uint8Array; decode(b: Uint8Array): unknown; empty(): unknown };

/** The lean codec's functions for `desc`, by the names protoc-gen-lean gives them. */
function codecOf(desc: DescMessage): Codec {
  const name = desc.typeName.slice(desc.file.proto.package.length + 1).replaceAll(".", "_");
  const fns = lean as unknown as Record<string, (x?: unknown) => unknown>;
  const [encode, decode, empty] = [`encode${name}`, `decode${name}`, `create${name}`].map((n) => {
    assert(typeof fns[n] === "function", `agent_lean.ts has no ${n} for ${desc.typeName}`);
    return fns[n];
  });
  return {
    encode: encode as Codec["encode"],
    decode: decode as Codec["decode"],
    empty: () => empty(),
  };
}

/** A value other than the default for a scalar of `type`; 64-bit ones below 2^53. */
function scalar(type: ScalarType, rand: () => number): unknown {
  const n = 1 + Math.floor(rand() * 1e6);
  switch (type) {
    case ScalarType.STRING:
      return `s${n}é`;
    case ScalarType.BYTES:
      return new Uint8Array([1 + (n % 255), n % 256, 7]);
    case ScalarType.BOOL:
      return true;
    case ScalarType.DOUBLE:
      return n + 0.5;
    case ScalarType.FLOAT:
      return n % 1000 + 0.25; // exact in 32 bits
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return -n;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return n;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return -(BigInt(n) * 2n ** 30n);
    default:
      return BigInt(n) * 2n ** 30n;
  }
}

/**
 * A protobuf-es init for `desc` with every field set; of each oneof, the case
 * `pick` selects (cycling through them).
 */
function full(desc: DescMessage, rand: () => number, pick: number): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  const value = (f: DescMessage["fields"][number]): unknown => {
    switch (f.fieldKind) {
      case "scalar":
        return scalar(f.scalar, rand);
      case "enum":
        return f.enum.values.at(-1)!.number;
      case "message":
        return full(f.message, rand, pick);
      case "list":
        return [0, 1].map(() =>
          f.listKind === "message"
            ? full(f.message, rand, pick)
            : f.listKind === "enum"
            ? f.enum.values.at(-1)!.number
            : scalar(f.scalar, rand)
        );
      default:
        throw new Error(`${f.name}: ${f.fieldKind} fields are not used in this file`);
    }
  };
  for (const member of desc.members) {
    if (member.kind === "field") init[member.localName] = value(member);
    else {
      const f = member.fields[pick % member.fields.length];
      init[member.localName] = { case: f.localName, value: value(f) };
    }
  }
  return init;
}

/** A protobuf-es message as the lean codec holds it: plain, 64-bit integers as numbers. */
function plain(desc: DescMessage, msg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const conv = (f: DescMessage["fields"][number], v: unknown): unknown => {
    if (f.fieldKind === "message") return plain(f.message, v as Record<string, unknown>);
    if (f.fieldKind === "list") {
      return (v as unknown[]).map((x) =>
        f.listKind === "message"
          ? plain(f.message, x as Record<string, unknown>)
          : typeof x === "bigint"
          ? Number(x)
          : x
      );
    }
    return typeof v === "bigint" ? Number(v) : v;
  };
  for (const member of desc.members) {
    const v = msg[member.localName];
    if (member.kind === "field") {
      if (v !== undefined) out[member.localName] = conv(member, v);
    } else {
      const o = v as { case?: string; value?: unknown };
      const f = member.fields.find((f) => f.localName === o.case);
      out[member.localName] = f ? { case: o.case, value: conv(f, o.value) } : { case: undefined };
    }
  }
  return out;
}

Deno.test("every message: protobuf-es writes, the lean codec reads the same and writes the same bytes", () => {
  const rand = prng(12);
  for (const desc of MESSAGES) {
    const codec = codecOf(desc);
    const cases = Math.max(1, ...desc.oneofs.map((o) => o.fields.length));
    for (let pick = 0; pick < cases; pick++) {
      const msg = create(desc, full(desc, rand, pick));
      const bytes = toBinary(desc, msg);
      const decoded = codec.decode(bytes);
      assertEquals(decoded, plain(desc, msg as unknown as Record<string, unknown>), desc.typeName);
      const again = codec.encode(decoded);
      assertEquals(again, bytes, `${desc.typeName} (case ${pick}) bytes`);
      assert(equals(desc, fromBinary(desc, again), msg), desc.typeName);
    }
  }
});

Deno.test("every message: defaults are left out, and empty bytes read as the defaults", () => {
  for (const desc of MESSAGES) {
    const codec = codecOf(desc);
    assertEquals(codec.encode(codec.empty()), new Uint8Array(), desc.typeName);
    assertEquals(codec.decode(new Uint8Array()), codec.empty(), desc.typeName);
    assertEquals(
      codec.decode(new Uint8Array()),
      plain(desc, create(desc) as unknown as Record<string, unknown>),
      desc.typeName,
    );
  }
});

Deno.test("unknown fields and unknown oneof cases are skipped; known ones still read", () => {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.Varint).uint64(7).tag(
    99,
    WireType.Bit32,
  )
    .fixed32(5).join();
  w.tag(1000, WireType.LengthDelimited).bytes(new Uint8Array([1, 2, 3]));
  w.tag(1001, WireType.StartGroup).tag(1, WireType.Varint).uint32(1).tag(1001, WireType.EndGroup);
  assertEquals(lean.decodeHubMessage(w.finish()), {
    kind: { case: "ack", value: { seq: 7, rejected: "" } },
  });
  // A oneof case from a newer peer: the oneof reads as unset.
  const newer = new BinaryWriter().tag(14, WireType.LengthDelimited).bytes(new Uint8Array([8, 1]))
    .finish();
  assertEquals(lean.decodeHubMessage(newer), { kind: { case: undefined } });
  // A request body this agent does not know: the id is still read (to answer "unsupported").
  const req = new BinaryWriter().tag(1, WireType.Varint).uint64(9).tag(12, WireType.LengthDelimited)
    .bytes(new Uint8Array()).finish();
  assertEquals(lean.decodeControlRequest(req), { id: 9, body: { case: undefined } });
});

Deno.test("repeated numbers are read packed and unpacked; a field seen twice merges", () => {
  const w = new BinaryWriter();
  w.tag(6, WireType.Bit64).double(1.5);
  w.tag(6, WireType.LengthDelimited).fork().double(2.5).double(3.5).join();
  w.tag(7, WireType.Varint).uint32(4);
  assertEquals(lean.decodeCpu(w.finish()).perCore, [1.5, 2.5, 3.5]);
  const batch = new BinaryWriter()
    .tag(3, WireType.LengthDelimited).bytes(lean.encodeCpu(lean.createCpu({ percent: 5 })))
    .tag(3, WireType.LengthDelimited).bytes(lean.encodeCpu(lean.createCpu({ cores: 2 })))
    .finish();
  assertEquals(lean.decodeMetricsBatch(batch).cpu, lean.createCpu({ percent: 5, cores: 2 }));
});

Deno.test("numbers are coerced to their field's type: broken readings are left out, not thrown", () => {
  const bytes = lean.encodeHeartbeat({ unixMs: 1.9, droppedBatches: NaN, pendingBatches: -3 });
  assertEquals(lean.decodeHeartbeat(bytes), { unixMs: 1, droppedBatches: 0, pendingBatches: 0 });
  const cpu = lean.decodeCpu(lean.encodeCpu(lean.createCpu({ cores: 2.7, percent: NaN })));
  assertEquals(cpu.cores, 2);
  assert(Number.isNaN(cpu.percent), "a NaN double is written, as protobuf-es does");
  // Above 2^53 a 64-bit integer loses precision as a number; it stays one.
  const big = toBinary(
    file_sightline_agent_v1_agent.messages.find((m) => m.name === "Welcome")!,
    create(file_sightline_agent_v1_agent.messages.find((m) => m.name === "Welcome")!, {
      lastSeq: 2n ** 60n,
    } as never),
  );
  assertEquals(lean.decodeWelcome(big).lastSeq, 2 ** 60);
});

Deno.test("bytes that are not a message throw", () => {
  const good = lean.encodeAgentMessage({
    kind: { case: "hello", value: lean.createHello({ hostname: "web-1", ips: ["10.0.0.1"] }) },
  });
  for (let cut = 1; cut < good.length; cut++) {
    assertThrows(() => lean.decodeAgentMessage(good.subarray(0, cut)), Error);
  }
  // A nested length that runs past its parent's end.
  assertThrows(
    () => lean.decodeMetricsBatch(new Uint8Array([0x1a, 0x02, 0x09, 0x00, 0x00])),
    Error,
  );
});
