/**
 * The agent's protobuf codec: the messages of proto/sightline/agent/v1 it
 * sends and receives, written and read field by field with protobuf-es's
 * wire-level BinaryWriter and BinaryReader.
 *
 * The hub uses the generated schema; the agent does not, because loading
 * protobuf-es's reflection runtime costs the agent about 6 MB of its
 * resident memory for a dozen small messages. wire_test.ts decodes every
 * message written here with the generated schema (and the reverse), field by
 * field, so a change to the .proto that is not made here fails a test.
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Snapshot } from "./collectors/types.ts";

/** The paths of AgentService's two RPCs. */
export const METHODS = {
  register: "/sightline.agent.v1.AgentService/Register",
  connect: "/sightline.agent.v1.AgentService/Connect",
} as const;

/** What the agent says about its host in Hello. */
export interface HelloFields {
  agentVersion: string;
  hostname: string;
  os: string;
  arch: string;
  kernel: string;
  environment: string;
  droppedBatches: number;
  ips: string[];
  metricsIntervalS: number;
}

/** A message from the hub the agent understands; `unknown` for any other case. */
export type HubMessage =
  | { case: "ack"; seq: number; rejected: string }
  | { case: "welcome"; lastSeq: number }
  | { case: "unknown" };

/** The hub's answer to Register. */
export interface RegisterAnswer {
  agentId: string;
  agentKey: Uint8Array;
  caPem: string;
  hostName: string;
}

// Field writers that leave out proto3 defaults, as protobuf-es does.
type Writer = BinaryWriter;
const str = (w: Writer, no: number, v: string) =>
  v !== "" && w.tag(no, WireType.LengthDelimited).string(v);
const dbl = (w: Writer, no: number, v: number) => v !== 0 && w.tag(no, WireType.Bit64).double(v);
// Counters are whole numbers; anything else (NaN from a broken reading) is left out.
const u64 = (w: Writer, no: number, v: number) =>
  Number.isFinite(v) && v >= 1 && w.tag(no, WireType.Varint).uint64(Math.trunc(v));
const i64 = (w: Writer, no: number, v: number) =>
  Number.isFinite(v) && v !== 0 && w.tag(no, WireType.Varint).int64(Math.trunc(v));
const u32 = (w: Writer, no: number, v: number) =>
  v !== 0 && w.tag(no, WireType.Varint).uint32(v >>> 0);
/** A nested message (always written, even when empty: presence matters). */
function msg(w: Writer, no: number, body: (w: Writer) => void): void {
  w.tag(no, WireType.LengthDelimited).fork();
  body(w);
  w.join();
}

// AgentMessage's oneof cases.
const HELLO = 1, HEARTBEAT = 2, METRICS = 3;

/** AgentMessage{hello}. */
export function encodeHello(h: HelloFields): Uint8Array {
  const w = new BinaryWriter();
  msg(w, HELLO, (w) => {
    str(w, 1, h.agentVersion);
    str(w, 2, h.hostname);
    str(w, 3, h.os);
    str(w, 4, h.arch);
    str(w, 5, h.kernel);
    str(w, 6, h.environment);
    u64(w, 7, h.droppedBatches);
    for (const ip of h.ips) w.tag(8, WireType.LengthDelimited).string(ip);
    dbl(w, 9, h.metricsIntervalS);
  });
  return w.finish();
}

/** AgentMessage{heartbeat}. */
export function encodeHeartbeat(
  h: { unixMs: number; droppedBatches: number; pendingBatches: number },
): Uint8Array {
  const w = new BinaryWriter();
  msg(w, HEARTBEAT, (w) => {
    i64(w, 1, h.unixMs);
    u64(w, 2, h.droppedBatches);
    u64(w, 3, h.pendingBatches);
  });
  return w.finish();
}

/** AgentMessage{metrics}: a snapshot as the batch numbered `seq`. */
export function encodeBatch(seq: number, s: Snapshot): Uint8Array {
  const w = new BinaryWriter();
  msg(w, METRICS, (w) => {
    u64(w, 1, seq);
    i64(w, 2, s.unixMs);
    const cpu = s.cpu;
    if (cpu) {
      msg(w, 3, (w) => {
        dbl(w, 1, cpu.percent);
        dbl(w, 2, cpu.user);
        dbl(w, 3, cpu.system);
        dbl(w, 4, cpu.iowait);
        dbl(w, 5, cpu.steal);
        if (cpu.perCore.length) {
          w.tag(6, WireType.LengthDelimited).fork();
          for (const v of cpu.perCore) w.double(v);
          w.join();
        }
        u32(w, 7, cpu.cores);
      });
    }
    const mem = s.memory;
    if (mem) {
      msg(w, 4, (w) => {
        u64(w, 1, mem.totalBytes);
        u64(w, 2, mem.usedBytes);
        u64(w, 3, mem.availableBytes);
        u64(w, 4, mem.cachedBytes);
        u64(w, 5, mem.swapTotalBytes);
        u64(w, 6, mem.swapUsedBytes);
      });
    }
    const load = s.load;
    if (load) {
      msg(w, 5, (w) => {
        dbl(w, 1, load.load1);
        dbl(w, 2, load.load5);
        dbl(w, 3, load.load15);
      });
    }
    dbl(w, 6, s.uptimeS ?? 0);
    for (const f of s.filesystems) {
      msg(w, 7, (w) => {
        str(w, 1, f.mount);
        str(w, 2, f.device);
        str(w, 3, f.fstype);
        u64(w, 4, f.sizeBytes);
        u64(w, 5, f.usedBytes);
        u64(w, 6, f.availBytes);
      });
    }
    for (const d of s.disks) {
      msg(w, 8, (w) => {
        str(w, 1, d.device);
        u64(w, 2, d.readBytes);
        u64(w, 3, d.writeBytes);
        u64(w, 4, d.reads);
        u64(w, 5, d.writes);
        dbl(w, 6, d.readBytesPerS);
        dbl(w, 7, d.writeBytesPerS);
      });
    }
    for (const n of s.net) {
      msg(w, 9, (w) => {
        str(w, 1, n.iface);
        u64(w, 2, n.rxBytes);
        u64(w, 3, n.txBytes);
        u64(w, 4, n.rxPackets);
        u64(w, 5, n.txPackets);
        u64(w, 6, n.rxErrors);
        u64(w, 7, n.txErrors);
        u64(w, 8, n.rxDrops);
        u64(w, 9, n.txDrops);
        dbl(w, 10, n.rxBytesPerS);
        dbl(w, 11, n.txBytesPerS);
      });
    }
    for (const t of s.temperatures) {
      msg(w, 10, (w) => {
        str(w, 1, t.sensor);
        dbl(w, 2, t.celsius);
      });
    }
    for (const e of s.errors) {
      msg(w, 11, (w) => {
        str(w, 1, e.collector);
        str(w, 2, e.message);
      });
    }
    dbl(w, 12, s.intervalS);
  });
  return w.finish();
}

/** RegisterRequest. */
export function encodeRegisterRequest(
  r: { token: string; hostname: string; agentVersion: string; os: string; arch: string },
): Uint8Array {
  const w = new BinaryWriter();
  str(w, 1, r.token);
  str(w, 2, r.hostname);
  str(w, 3, r.agentVersion);
  str(w, 4, r.os);
  str(w, 5, r.arch);
  return w.finish();
}

/** Reads each field of one message with `field`; skips the ones it does not take. */
function read(bytes: Uint8Array, field: (r: BinaryReader, no: number, wt: WireType) => boolean) {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (!field(r, no, wt)) r.skip(wt, no);
  }
}

/** A uint64 the agent counts with (sequence numbers stay far below 2^53). */
const num = (v: bigint | string) => Number(v);

/** HubMessage. Throws on bytes that are not a protobuf message. */
export function decodeHubMessage(bytes: Uint8Array): HubMessage {
  let out: HubMessage = { case: "unknown" };
  read(bytes, (r, no, wt) => {
    if (wt !== WireType.LengthDelimited || (no !== 1 && no !== 2)) return false;
    const body = r.bytes();
    if (no === 1) {
      const ack = { case: "ack" as const, seq: 0, rejected: "" };
      read(body, (r, no, wt) => {
        if (no === 1 && wt === WireType.Varint) ack.seq = num(r.uint64());
        else if (no === 2 && wt === WireType.LengthDelimited) ack.rejected = r.string();
        else return false;
        return true;
      });
      out = ack;
    } else {
      const welcome = { case: "welcome" as const, lastSeq: 0 };
      read(body, (r, no, wt) => {
        if (no !== 1 || wt !== WireType.Varint) return false;
        welcome.lastSeq = num(r.uint64());
        return true;
      });
      out = welcome;
    }
    return true;
  });
  return out;
}

/** RegisterResponse. Throws on bytes that are not a protobuf message. */
export function decodeRegisterResponse(bytes: Uint8Array): RegisterAnswer {
  const out: RegisterAnswer = { agentId: "", agentKey: new Uint8Array(), caPem: "", hostName: "" };
  read(bytes, (r, no, wt) => {
    if (wt !== WireType.LengthDelimited) return false;
    if (no === 1) out.agentId = r.string();
    else if (no === 2) out.agentKey = r.bytes().slice();
    else if (no === 3) out.caPem = r.string();
    else if (no === 4) out.hostName = r.string();
    else return false;
    return true;
  });
  return out;
}
