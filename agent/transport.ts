/**
 * The agent's side of the link, and its one protobuf boundary: registers
 * with a token, then keeps one authenticated Connect stream to the hub,
 * replays the WAL in order, sends new batches and heartbeats, and deletes a
 * batch from the WAL only when the hub acknowledges it. Reconnects with
 * exponential backoff and jitter.
 */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  type AgentMessage,
  AgentMessageSchema,
  AgentService,
  type HubMessage,
  RegisterRequestSchema,
  type RegisterResponse,
} from "../proto/gen/sightline/agent/v1/agent_pb.ts";
import { grpcDefinition } from "../lib/grpc_adapter.ts";
import { AUTH_KEYS, signStream } from "../lib/stream_auth.ts";
import { AGENT_VERSION, HUB_TLS_NAME } from "../lib/link.ts";
import type { Logger } from "../lib/log.ts";
import type { Identity } from "./identity.ts";
import type { Wal } from "./wal.ts";
import type { Snapshot } from "./collectors/types.ts";

// deno-lint-ignore no-explicit-any
type Client = grpc.Client & Record<string, any>;
const AgentClient = grpc.makeGenericClientConstructor(grpcDefinition(AgentService), "AgentService");

/** What the agent says about its host in Hello. */
export interface HostFacts {
  hostname: string;
  os: string;
  arch: string;
  kernel: string;
  environment: string;
  ips: string[];
  intervalS: number;
}

const CHANNEL_OPTIONS = {
  // The hub's certificate names HUB_TLS_NAME whatever address the agent dials;
  // the pinned CA is what proves it is our hub.
  "grpc.ssl_target_name_override": HUB_TLS_NAME,
  "grpc.default_authority": HUB_TLS_NAME,
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.max_receive_message_length": 4 * 1024 * 1024,
};

/**
 * Exchanges a registration token for an identity. The agent has no CA yet,
 * so this one call does not verify the hub's certificate; every later one
 * pins the CA it returns.
 */
export async function register(
  hub: string,
  token: string,
  facts: Omit<HostFacts, "environment" | "ips" | "intervalS" | "kernel">,
): Promise<Identity> {
  const creds = grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false });
  const client = new AgentClient(hub, creds, CHANNEL_OPTIONS) as Client;
  try {
    const res = await new Promise<RegisterResponse>((resolve, reject) =>
      client.register(
        create(RegisterRequestSchema, {
          token,
          hostname: facts.hostname,
          agentVersion: AGENT_VERSION,
          os: facts.os,
          arch: facts.arch,
        }),
        { deadline: Date.now() + 15_000 },
        (err: grpc.ServiceError | null, r: RegisterResponse) => (err ? reject(err) : resolve(r)),
      )
    );
    return {
      hub,
      agentId: res.agentId,
      agentKey: Buffer.from(res.agentKey).toString("base64"),
      caPem: res.caPem,
      hostName: res.hostName,
    };
  } catch (err) {
    const e = err as grpc.ServiceError;
    throw new Error(`Cannot register with ${hub}: ${e.details || e.message}`);
  } finally {
    client.close();
  }
}

/** Encodes a snapshot as the wire bytes of AgentMessage{metrics} with `seq`. */
export function encodeBatch(seq: number, s: Snapshot): Uint8Array {
  const msg = create(AgentMessageSchema, {
    kind: {
      case: "metrics",
      value: {
        seq: BigInt(seq),
        unixMs: BigInt(s.unixMs),
        intervalS: s.intervalS,
        cpu: s.cpu,
        memory: s.memory && {
          totalBytes: BigInt(s.memory.totalBytes),
          usedBytes: BigInt(s.memory.usedBytes),
          availableBytes: BigInt(s.memory.availableBytes),
          cachedBytes: BigInt(s.memory.cachedBytes),
          swapTotalBytes: BigInt(s.memory.swapTotalBytes),
          swapUsedBytes: BigInt(s.memory.swapUsedBytes),
        },
        load: s.load,
        uptimeS: s.uptimeS ?? 0,
        filesystems: s.filesystems.map((f) => ({
          ...f,
          sizeBytes: BigInt(f.sizeBytes),
          usedBytes: BigInt(f.usedBytes),
          availBytes: BigInt(f.availBytes),
        })),
        disks: s.disks.map((d) => ({
          ...d,
          readBytes: BigInt(d.readBytes),
          writeBytes: BigInt(d.writeBytes),
          reads: BigInt(d.reads),
          writes: BigInt(d.writes),
        })),
        net: s.net.map((n) => ({
          ...n,
          rxBytes: BigInt(n.rxBytes),
          txBytes: BigInt(n.txBytes),
          rxPackets: BigInt(n.rxPackets),
          txPackets: BigInt(n.txPackets),
          rxErrors: BigInt(n.rxErrors),
          txErrors: BigInt(n.txErrors),
          rxDrops: BigInt(n.rxDrops),
          txDrops: BigInt(n.txDrops),
        })),
        temperatures: s.temperatures,
        errors: s.errors,
      },
    },
  });
  return toBinary(AgentMessageSchema, msg);
}

/** Batches sent but not yet acknowledged, at most. */
const WINDOW = 64;
const WELCOME_TIMEOUT_MS = 10_000;

/** Full-jitter-free "equal jitter": half the backoff fixed, half random. */
export function backoffMs(attempt: number, maxS: number, random = Math.random): number {
  const ceiling = Math.min(maxS * 1000, 1000 * 2 ** Math.min(attempt, 16));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Keeps the agent connected to its hub for as long as it runs. */
export class HubLink {
  #client: Client;
  #key: Uint8Array;
  #stopped = false;
  #wake: (() => void) | null = null;
  /** Set by notify() so a wake-up that comes while the sender is busy is not lost. */
  #signal = false;
  #call: grpc.ClientDuplexStream<AgentMessage | Uint8Array, HubMessage> | null = null;
  /** Resolves the current reconnect wait early when stopping. */
  #sleepCancel: (() => void) | null = null;
  connected = false;
  #sent = 0;
  #acked = 0;
  /** WAL deletes for acknowledged batches, in ack order. */
  #ackChain: Promise<void> = Promise.resolve();

  constructor(
    private id: Identity,
    private wal: Wal,
    private facts: () => HostFacts,
    private opts: { heartbeatMs: number; reconnectMaxS: number; log: Logger },
  ) {
    const creds = grpc.credentials.createSsl(Buffer.from(id.caPem));
    this.#client = new AgentClient(id.hub, creds, CHANNEL_OPTIONS) as Client;
    this.#key = Buffer.from(id.agentKey, "base64");
  }

  /** Tells the sender a new batch is in the WAL. */
  notify(): void {
    this.#signal = true;
    this.#wake?.();
  }

  /** Runs until {@link stop}: connect, serve the session, back off, again. */
  async run(): Promise<void> {
    const { log } = this.opts;
    let attempt = 0;
    while (!this.#stopped) {
      const started = Date.now();
      try {
        await this.#session();
      } catch (err) {
        if (this.#stopped) break;
        const e = err as grpc.ServiceError;
        if (e.code === grpc.status.UNAUTHENTICATED) {
          // Retrying fast cannot help: the host was removed or registered anew.
          log.error(
            "The hub refused this agent's credentials; if the host was removed or re-added, register again",
            {
              hub: this.id.hub,
              error: e.details,
            },
          );
          attempt = 16;
        } else {
          log.warn("Hub link down", { hub: this.id.hub, error: e.details || e.message });
        }
      }
      this.connected = false;
      if (this.#stopped) break;
      // A session that lasted a while was healthy: start the backoff over.
      if (Date.now() - started > 60_000) attempt = 0;
      const wait = backoffMs(attempt++, this.opts.reconnectMaxS);
      log.info("Reconnecting", { in_ms: Math.round(wait) });
      await new Promise<void>((r) => {
        const t = setTimeout(r, wait);
        this.#sleepCancel = () => (clearTimeout(t), r());
      });
      this.#sleepCancel = null;
    }
  }

  /** Ends the stream and the loop. */
  async stop(graceMs = 2000): Promise<void> {
    // Give batches already sent a moment to be acknowledged, so a restart
    // does not send them again (harmless, the hub deduplicates, but wasteful).
    const deadline = Date.now() + graceMs;
    while (this.connected && this.#acked < this.#sent && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await this.#ackChain;
    this.#stopped = true;
    const call = this.#call;
    if (call) {
      // Half-close and let the hub end the call, rather than resetting the
      // stream: resets are what Deno's HTTP/2 server handles worst.
      const ended = new Promise((r) => call.once("status", r));
      call.end();
      await Promise.race([ended, new Promise((r) => setTimeout(r, 1000))]);
      call.cancel();
    }
    this.#sleepCancel?.();
    this.#wake?.();
    this.#client.close();
  }

  async #session(): Promise<void> {
    const { wal, opts } = this;
    const creds = signStream(this.id.agentId, this.#key);
    const md = new grpc.Metadata();
    md.set(AUTH_KEYS.agentId, creds.agentId);
    md.set(AUTH_KEYS.timestamp, creds.timestamp);
    md.set(AUTH_KEYS.nonce, creds.nonce);
    md.set(AUTH_KEYS.signature, creds.signature);
    const call = this.#client.connect(md) as grpc.ClientDuplexStream<
      AgentMessage | Uint8Array,
      HubMessage
    >;
    this.#call = call;

    this.#acked = this.#sent = 0;
    let closed: Error | null = null;
    let welcome: (seq: number) => void;
    const welcomed = new Promise<number>((r) => (welcome = r));
    const done = new Promise<void>((_resolve, reject) => {
      call.on("error", (err) => {
        closed = err;
        reject(err);
      });
      call.on("end", () => {
        closed ??= new Error("Hub closed the stream");
        reject(closed);
      });
    });
    done.catch(() => this.#wake?.());

    call.on("data", (msg: HubMessage) => {
      const k = msg.kind;
      if (k.case === "welcome") welcome(Number(k.value.lastSeq));
      else if (k.case === "ack") {
        const seq = Number(k.value.seq);
        if (k.value.rejected) {
          opts.log.warn("Hub rejected a batch", { seq, reason: k.value.rejected });
        }
        this.#acked = Math.max(this.#acked, seq);
        this.#ackChain = this.#ackChain.then(() => wal.ack(seq)).catch((err) =>
          opts.log.error("Cannot delete acknowledged batch", { seq, error: err })
        );
        this.notify();
      }
    });

    const facts = this.facts();
    call.write(create(AgentMessageSchema, {
      kind: {
        case: "hello",
        value: {
          agentVersion: AGENT_VERSION,
          hostname: facts.hostname,
          os: facts.os,
          arch: facts.arch,
          kernel: facts.kernel,
          environment: facts.environment,
          ips: facts.ips,
          metricsIntervalS: facts.intervalS,
          droppedBatches: BigInt(await wal.dropped()),
        },
      },
    }));

    let welcomeTimer: ReturnType<typeof setTimeout> | undefined;
    const lastSeq = await Promise.race([
      welcomed,
      done.then(() => 0),
      new Promise<number>((_, reject) => {
        welcomeTimer = setTimeout(
          () => reject(new Error("No Welcome from hub")),
          WELCOME_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(welcomeTimer));
    if (lastSeq >= await wal.nextSeq()) {
      opts.log.warn(
        "Hub holds batches newer than this WAL (was it deleted?); numbering on from there",
        {
          hub_seq: lastSeq,
        },
      );
      await wal.advanceTo(lastSeq + 1);
    }
    // The hub has everything up to lastSeq: those acks were lost with the last stream.
    await wal.ack(lastSeq);
    this.#acked = this.#sent = lastSeq;
    this.connected = true;
    opts.log.info("Connected to hub", {
      hub: this.id.hub,
      resume_after: lastSeq,
      pending: await wal.pending(),
    });

    const heartbeat = setInterval(async () => {
      if (closed) return;
      call.write(create(AgentMessageSchema, {
        kind: {
          case: "heartbeat",
          value: {
            unixMs: BigInt(Date.now()),
            droppedBatches: BigInt(await wal.dropped()),
            pendingBatches: BigInt(await wal.pending()),
          },
        },
      }));
    }, opts.heartbeatMs);
    try {
      while (!closed && !this.#stopped) {
        this.#signal = false;
        let progressed = false;
        for await (const e of wal.entries(this.#sent)) {
          if (closed || this.#stopped) break;
          if (this.#sent - this.#acked >= WINDOW) break;
          if (!call.write(e.data)) await new Promise((r) => call.once("drain", r));
          this.#sent = e.seq;
          progressed = true;
        }
        if (!progressed && !closed && !this.#signal) {
          await new Promise<void>((r) => (this.#wake = r));
          this.#wake = null;
        }
      }
      await done;
    } finally {
      clearInterval(heartbeat);
      call.cancel();
      this.#call = null;
    }
  }
}
