/**
 * A raw Connect probe for tests: opens a stream with given credentials,
 * through the agent's own gRPC client, and reports how it ends.
 */
import { Buffer } from "node:buffer";
import { type Call, Channel, GrpcError } from "../agent/grpc.ts";
import {
  decodeHubMessage,
  encodeCheckResults,
  encodeHeartbeat,
  encodeHello,
  type HubMessage,
  METHODS,
} from "../agent/wire.ts";
import { until } from "./harness.ts";
import { authMetadata, signStream, type StreamCredentials } from "../lib/stream_auth.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";

/** A Hello as a test agent sends it. */
export function probeHello(hostname = "probe", metricsIntervalS = 0): Uint8Array {
  return encodeHello({
    agentVersion: "test",
    hostname,
    os: "linux",
    arch: "x64",
    kernel: "",
    environment: "vm",
    droppedBatches: 0,
    ips: [],
    metricsIntervalS,
  });
}

/**
 * Opens a Connect stream with `creds`; resolves with the status code it ends
 * with, or "welcomed". With `heartbeatFirst` it breaks the protocol (no
 * Hello) and waits for the hub to end the stream.
 */
export async function tryConnect(
  addr: string,
  caPem: string,
  creds: Partial<StreamCredentials>,
  heartbeatFirst = false,
): Promise<number | "welcomed"> {
  const channel = new Channel(addr, { serverName: HUB_TLS_NAME, caPem });
  let welcomed = false;
  const call = channel.stream(
    METHODS.connect,
    authMetadata(creds),
    () => {
      if (heartbeatFirst || welcomed) return; // the Welcome; the refusal follows
      welcomed = true;
      call.end(); // half-close, as the agent does, and let the hub end the call
    },
  );
  call.write(
    heartbeatFirst
      ? encodeHeartbeat({ unixMs: 0, droppedBatches: 0, pendingBatches: 0 })
      : probeHello(),
  );
  // A deadline, so a hub that never answers fails the test instead of hanging it.
  const timer = setTimeout(() => call.cancel(), 10_000);
  try {
    await call.status;
    return welcomed ? "welcomed" : 0;
  } catch (err) {
    if (welcomed) return "welcomed";
    if (err instanceof GrpcError) return err.code;
    throw err;
  } finally {
    clearTimeout(timer);
    await channel.close();
  }
}

/**
 * Opens a Connect stream signed for agent `id` on `channel` and writes
 * `hello`; each message from the hub goes, decoded, to `onMessage`.
 */
export function probeStream(
  channel: Channel,
  id: { agentId: string; agentKey: string },
  hello: Uint8Array,
  onMessage: (kind: HubMessage["kind"], call: Call) => void,
): Call {
  const call = channel.stream(
    METHODS.connect,
    authMetadata(signStream(id.agentId, Buffer.from(id.agentKey, "base64"))),
    (bytes) => onMessage(decodeHubMessage(bytes).kind, call),
  );
  call.write(hello);
  return call;
}

/** A stream for `identity` that keeps what the hub pushes and acks, and sends check results. */
export function rawAgent(channel: Channel, identity: { agentId: string; agentKey: string }) {
  const acks = new Map<number, string>();
  const desired: Array<Extract<HubMessage["kind"], { case: "desired" }>["value"]> = [];
  let seq = 0;
  let welcomed!: () => void;
  const ready = new Promise<void>((r) => (welcomed = r));
  const stream = probeStream(channel, identity, probeHello("raw", 30), (kind) => {
    if (kind.case === "welcome") {
      seq = kind.value.lastSeq;
      welcomed();
    }
    if (kind.case === "ack") acks.set(kind.value.seq, kind.value.rejected);
    if (kind.case === "desired") desired.push(kind.value);
  });
  return {
    ready,
    stream,
    desired,
    acks,
    /** Sends one round of `checkId` at `ts` as the next batch; resolves once it is acked. */
    async round(checkId: string, ok: boolean, ts: number, sameSeq = false) {
      const s = sameSeq ? seq : ++seq;
      stream.write(encodeCheckResults(s, ts, [{
        checkId,
        unixMs: ts,
        ok,
        ms: 1.5,
        message: ok ? "open" : "connection refused",
        timings: undefined,
        certDaysLeft: 0,
        lossPercent: 0,
      }]));
      await until(`ack of ${s}`, () => acks.has(s));
      return acks.get(s)!;
    },
  };
}
