/**
 * The churn harness's attacker, in a process of its own: bounded rounds of
 * what real and hostile clients do to the agent port, each a "sequence" that
 * ends by itself. HTTP/2 frames are written here by hand (not with lib/h2,
 * the code under attack), so malformed ones can be written too.
 *
 * `deno run -A bench/churn_attacks.ts '{"hub":"127.0.0.1:50051","sequences":1000,...}'`
 * (see {@link AttackConfig}); prints one JSON line `{"done": …}` at the end.
 */
import tls from "node:tls";
import { Buffer } from "node:buffer";
import * as grpcjs from "@grpc/grpc-js";
import { Channel, GrpcError } from "../agent/grpc.ts";
import { encodeHello, encodeRegisterRequest, METHODS } from "../agent/wire.ts";
import { authMetadata, signStream } from "../lib/stream_auth.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import { prng } from "../lib/prng.ts";
import {
  answerPings,
  closed,
  dialTcp,
  dialTls,
  frame,
  frameHeader,
  goaway,
  grpcMessage,
  h2,
  headerBlock,
  PREFACE,
  requestHeaders,
  rst,
  sleep,
  splitAddr,
  u32,
  Unreachable,
} from "./h2_raw.ts";

export interface AttackConfig {
  hub: string;
  caPem: string;
  /** An identity of a registered host, for attacks that need an authenticated stream. */
  agentId: string;
  agentKey: string;
  sequences: number;
  concurrency: number;
  /** How long the idle-then-GOAWAY connections and never-reading streams are held. */
  holdMs: number;
  /** Connections opened first, left idle for the whole run, then sent GOAWAY. */
  longIdle: number;
  seed: number;
}

export interface AttackReport {
  sequences: number;
  byKind: Record<string, number>;
  /** Sequences that could not even reach the port (ingest down). */
  unreachable: number;
  /** Standard-client (grpc-js) calls, and how many got the status they should. */
  standardCalls: number;
  standardOk: number;
  /** Other surprises, counted by message. */
  surprises: Record<string, number>;
}

// --- the sequences -----------------------------------------------------------

type Attack = (cfg: AttackConfig, rand: () => number, report: AttackReport) => Promise<void>;

const badToken = (rand: () => number) =>
  "sl_reg_" +
  Array.from({ length: 32 }, () => "abcdefghijklmnopqrstuvwxyz"[Math.floor(rand() * 26)]).join("");

const registerBody = (rand: () => number) =>
  encodeRegisterRequest({
    token: badToken(rand),
    hostname: "churn",
    agentVersion: "churn",
    os: "linux",
    arch: "x64",
  });

const ATTACKS: Record<string, Attack> = {
  /** A registration storm through the agent's own client: bad tokens, several per connection. */
  "register-storm": async (cfg, rand, report) => {
    const ch = new Channel(cfg.hub, { serverName: HUB_TLS_NAME, caPem: cfg.caPem });
    try {
      for (let i = 0; i < 4; i++) {
        try {
          await ch.unary(METHODS.register, registerBody(rand), 5000);
          surprise(report, "register with a bad token succeeded");
        } catch (e) {
          if (!(e instanceof GrpcError)) throw e;
          if (e.code === 14 && /ECONNREFUSED/.test(e.message)) throw new Unreachable(e.message);
          if (e.code !== 16 && e.code !== 14) surprise(report, `register: status ${e.code}`);
        }
      }
      // Bytes that are no RegisterRequest: the client's error, said as such.
      try {
        await ch.unary(METHODS.register, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1]), 5000);
        surprise(report, "a malformed register succeeded");
      } catch (e) {
        if (!(e instanceof GrpcError)) throw e;
        if (e.code !== 3 && e.code !== 14) surprise(report, `malformed register: status ${e.code}`);
      }
    } finally {
      await ch.close();
    }
  },
  /** A standard gRPC client (grpc-js), which hangs up with GOAWAY right after its call. */
  "standard-client": async (cfg, rand, report) => {
    const client = new grpcjs.Client(
      cfg.hub,
      grpcjs.credentials.createSsl(Buffer.from(cfg.caPem)),
      { "grpc.ssl_target_name_override": HUB_TLS_NAME, "grpc.default_authority": HUB_TLS_NAME },
    );
    report.standardCalls++;
    try {
      const code = await new Promise<number>((resolve) => {
        client.makeUnaryRequest(
          METHODS.register,
          (b: Uint8Array) => Buffer.from(b),
          (b: Buffer) => b,
          registerBody(rand),
          { deadline: Date.now() + 10_000 },
          (err) => resolve(err?.code ?? 0),
        );
      });
      if (code === 16) report.standardOk++;
      else if (code === 14) throw new Unreachable("standard client: UNAVAILABLE");
      else surprise(report, `standard client: status ${code}`);
    } finally {
      client.close();
    }
  },
  /** Connect with signed credentials, then cancel at once (RST_STREAM CANCEL). */
  "connect-cancel": async (cfg) => {
    const s = await h2(cfg.hub);
    const meta = authMetadata(signStream(cfg.agentId, Buffer.from(cfg.agentKey, "base64")));
    s.write(frame(1, 0x4, 1, requestHeaders(METHODS.connect, meta)));
    s.write(rst(1));
    s.end(goaway(0));
    await closed(s, 3000);
  },
  /** A message cut off by RST_STREAM, then another stream, then the socket dropped. */
  "rst-mid-message": async (cfg, rand) => {
    const s = await h2(cfg.hub);
    const msg = grpcMessage(registerBody(rand));
    s.write(frame(1, 0x4, 1, requestHeaders(METHODS.register)));
    s.write(frame(0, 0, 1, msg.subarray(0, 9)));
    s.write(rst(1));
    s.write(frame(1, 0x4, 3, requestHeaders(METHODS.register)));
    s.write(frame(0, 0, 3, msg.subarray(0, 3)));
    await sleep(rand() * 50);
    s.destroy();
  },
  /** GOAWAY right after the preface. */
  "goaway-now": async (cfg) => {
    const s = await h2(cfg.hub);
    s.write(goaway(0));
    await closed(s, 3000);
  },
  /** Streams open, then GOAWAY while the answers are on their way. */
  "goaway-with-streams": async (cfg, rand) => {
    const s = await h2(cfg.hub);
    for (let id = 1; id <= 9; id += 2) {
      s.write(frame(1, 0x4, id, requestHeaders(METHODS.register)));
      s.write(frame(0, 0x1, id, grpcMessage(registerBody(rand))));
    }
    s.write(goaway(rand() < 0.5 ? 0 : 9, rand() < 0.5 ? 0 : 2));
    await closed(s, 5000);
  },
  /** A connection left idle, then GOAWAY (the hold is minutes in the full run). */
  "goaway-after-idle": async (cfg) => {
    const s = await h2(cfg.hub);
    s.on("data", () => {});
    await sleep(cfg.holdMs);
    if (s.destroyed) return;
    s.write(goaway(0));
    await closed(s, 3000);
  },
  /** A frame cut off and the socket closed. */
  "close-mid-frame": async (cfg, rand) => {
    const s = await h2(cfg.hub);
    const block = requestHeaders(METHODS.register);
    const cut = Math.floor(rand() * block.length);
    s.write(Buffer.concat([frameHeader(block.length, 1, 0x4, 1), block.subarray(0, cut)]));
    await sleep(rand() * 20);
    s.destroy();
  },
  /** TLS handshakes abandoned: part of a ClientHello, or a hang-up mid-handshake. */
  "tls-abort": async (cfg, rand) => {
    if (rand() < 0.5) {
      const s = await dialTcp(cfg.hub);
      s.on("error", () => {});
      s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
      await sleep(rand() * 30);
      s.destroy();
    } else {
      const [host, port] = splitAddr(cfg.hub);
      const s = tls.connect({ host, port, servername: HUB_TLS_NAME, rejectUnauthorized: false });
      s.on("error", () => {});
      await new Promise<void>((resolve, reject) => {
        s.once("connect", () => (s.destroy(), resolve()));
        s.once(
          "error",
          (e: NodeJS.ErrnoException) =>
            e.code === "ECONNREFUSED" ? reject(new Unreachable(e.message)) : resolve(),
        );
      });
    }
  },
  /** HTTP/1.1 over TLS without ALPN, and plaintext HTTP/1.1 at a TLS port. */
  "http1": async (cfg, _rand, report) => {
    const s = await dialTls(cfg.hub, null);
    s.on("error", () => {});
    let answer = "";
    s.on("data", (c: Buffer) => (answer += c.toString("latin1")));
    s.write("GET / HTTP/1.1\r\nHost: hub\r\n\r\n");
    await closed(s, 3000);
    if (!answer.startsWith("HTTP/1.1 505")) surprise(report, "HTTP/1.1 got no 505");
    const t = await dialTcp(cfg.hub);
    t.on("error", () => {});
    t.write("GET / HTTP/1.1\r\nHost: hub\r\n\r\n");
    await closed(t, 3000);
  },
  /** Random bytes, before TLS and inside it. */
  "garbage": async (cfg, rand) => {
    const junk = () =>
      Buffer.from(
        Array.from({ length: 1 + Math.floor(rand() * 4000) }, () => Math.floor(rand() * 256)),
      );
    const t = await dialTcp(cfg.hub);
    t.on("error", () => {});
    t.write(junk());
    await closed(t, 3000);
    const s = await dialTls(cfg.hub);
    s.on("error", () => {});
    s.write(rand() < 0.5 ? junk() : Buffer.concat([PREFACE, junk()]));
    await closed(s, 3000);
  },
  /** A frame far over the advertised size, and frames malformed in each way the RFC names. */
  "bad-frames": async (cfg, rand) => {
    const s = await h2(cfg.hub);
    const bad = [
      () => frameHeader(1 << 20, 0, 0, 1), // oversized
      () => frame(6, 0, 0, Buffer.alloc(7)), // PING of 7 bytes
      () => frame(4, 0, 0, Buffer.alloc(5)), // SETTINGS not a multiple of 6
      () => frame(8, 0, 0, u32(0)), // WINDOW_UPDATE of 0
      () => frame(8, 0, 0, u32(0x7fffffff)), // connection window overflow
      () => frame(0, 0, 0, Buffer.alloc(8)), // DATA on stream 0
      () => frame(1, 0x4, 2, requestHeaders(METHODS.register)), // even stream id
      () => frame(9, 0x4, 1, requestHeaders(METHODS.register)), // CONTINUATION alone
      () => frame(1, 0x4, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])), // index far past the tables
      () => frame(1, 0x4, 1, Buffer.from([0x3f, 0xe1, 0x7f])), // table size over the limit
      () => frame(4, 0, 0, Buffer.from([0, 4, 0x80, 0, 0, 0])), // INITIAL_WINDOW_SIZE 2^31
      () => frame(5, 0x4, 1, Buffer.alloc(8)), // PUSH_PROMISE from a client
      () => frame(0, 0x8, 1, Buffer.from([200, 1, 2])), // padding past the frame
      () => frame(3, 0, 7, u32(8)), // RST_STREAM on an idle stream
      () => frame(2, 0, 1, Buffer.alloc(3)), // PRIORITY of 3 bytes
      () =>
        Buffer.concat([
          frame(1, 0, 1, requestHeaders(METHODS.register)),
          frame(6, 0, 0, Buffer.alloc(8)),
        ]), // a frame inside a header block
      () =>
        Buffer.concat([
          frame(1, 0x4, 1, requestHeaders(METHODS.register)),
          frame(0, 0, 1, Buffer.alloc(300_000)),
        ]), // past the stream window
      () => frame(1, 0x4, 1, headerBlock([[":method", "POST"], ["x", "1"], [":path", "/"]])), // pseudo after regular
      () =>
        frame(
          1,
          0x4,
          1,
          headerBlock([[":method", "POST"], [":path", "/"], [":scheme", "https"], [
            "connection",
            "close",
          ]]),
        ),
    ];
    s.write(bad[Math.floor(rand() * bad.length)]());
    await closed(s, 3000);
  },
  /** Random frames after a valid preface: a small fuzzer. */
  "fuzz-frames": async (cfg, rand) => {
    const s = await h2(cfg.hub);
    for (let i = 0; i < 1 + rand() * 20; i++) {
      const len = Math.floor(rand() * 64);
      const payload = Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256)));
      const type = Math.floor(rand() * 12);
      const id = rand() < 0.3 ? 0 : 1 + 2 * Math.floor(rand() * 8);
      s.write(frame(type, Math.floor(rand() * 256), id, payload));
    }
    await closed(s, 1000 + rand() * 1000);
  },
  /** Thousands of streams on one connection, most reset at once (the rapid-reset attack). */
  "many-streams": async (cfg, rand) => {
    const s = await h2(cfg.hub);
    const chunks: Uint8Array[] = [];
    const block = requestHeaders(METHODS.register);
    for (let id = 1; id < 2 * 3000; id += 2) {
      chunks.push(frame(1, 0x4, id, block));
      if (rand() < 0.9) chunks.push(rst(id));
      else chunks.push(frame(0, 0x1, id, grpcMessage(registerBody(rand))));
    }
    s.write(Buffer.concat(chunks));
    await closed(s, 5000);
  },
  /** An authenticated stream whose reader never reads: window 0, and a socket never read. */
  "never-read": async (cfg) => {
    const s = await h2(cfg.hub, [[4, 0]]); // INITIAL_WINDOW_SIZE 0: nothing may be sent to us
    const meta = authMetadata(signStream(cfg.agentId, Buffer.from(cfg.agentKey, "base64")));
    s.write(frame(1, 0x4, 1, requestHeaders(METHODS.connect, meta)));
    s.pause(); // and the socket itself is not read either
    // Keep the server writing: pings, whose answers pile up unread.
    for (let i = 0; i < 50 && !s.destroyed; i++) {
      s.write(frame(6, 0, 0, Buffer.alloc(8)));
      await sleep(cfg.holdMs / 50);
    }
    s.destroy();
  },
  /** An agent that says Hello, then drops the TCP connection with no goodbye. */
  "vanish": async (cfg) => {
    const s = await h2(cfg.hub);
    s.on("data", () => {});
    const meta = authMetadata(signStream(cfg.agentId, Buffer.from(cfg.agentKey, "base64")));
    s.write(frame(1, 0x4, 1, requestHeaders(METHODS.connect, meta)));
    s.write(frame(
      0,
      0,
      1,
      grpcMessage(encodeHello({
        agentVersion: "churn",
        hostname: "churn",
        os: "linux",
        arch: "x64",
        kernel: "",
        environment: "",
        droppedBatches: 0,
        ips: [],
        metricsIntervalS: 0,
      })),
    ));
    await sleep(100);
    s.destroy();
  },
};

export const ATTACK_KINDS = Object.keys(ATTACKS);

function surprise(report: AttackReport, what: string): void {
  report.surprises[what] = (report.surprises[what] ?? 0) + 1;
}

/** Runs `cfg.sequences` sequences, `cfg.concurrency` at a time, kinds in turn. */
export async function attack(cfg: AttackConfig): Promise<AttackReport> {
  const rand = prng(cfg.seed);
  const report: AttackReport = {
    sequences: 0,
    byKind: {},
    unreachable: 0,
    standardCalls: 0,
    standardOk: 0,
    surprises: {},
  };
  let next = 0;
  const kinds = ATTACK_KINDS;
  const idle = await Promise.all(Array.from({ length: cfg.longIdle }, async () => {
    const s = await h2(cfg.hub);
    answerPings(s); // idle, not dead: a real client answers the hub's keepalive
    return s;
  }));
  const worker = async () => {
    while (next < cfg.sequences) {
      const n = next++;
      const kind = kinds[n % kinds.length];
      try {
        await withTimeout(ATTACKS[kind](cfg, rand, report), cfg.holdMs + 20_000);
      } catch (e) {
        if (e instanceof Unreachable) report.unreachable++;
        else if (!isExpectedClientError(e)) {
          surprise(report, `${kind}: ${(e as Error).message}`.slice(0, 120));
        }
      }
      report.sequences++;
      report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: cfg.concurrency }, worker));
  // GOAWAY after a whole run's idleness (minutes in the full run).
  let idleDropped = 0;
  for (const s of idle) {
    if (s.destroyed) idleDropped++;
    else s.write(goaway(0));
  }
  if (idleDropped) surprise(report, `${idleDropped} idle connections were dropped by the hub`);
  await Promise.all(idle.map((s) => closed(s, 3000)));
  return report;
}

/** Errors a client sees when the server rightly hangs up on it. */
function isExpectedClientError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<never>((
      _,
      reject,
    ) => (t = setTimeout(() => reject(new Error("sequence timed out")), ms))),
  ]).finally(() => clearTimeout(t));
}

if (import.meta.main) {
  const cfg = JSON.parse(Deno.args[0]) as AttackConfig;
  const report = await attack(cfg);
  console.log(JSON.stringify({ done: report }));
  Deno.exit(0);
}
