/**
 * The agent's side of the link: registers with a token, then keeps one
 * authenticated Connect stream to the hub,
 * replays the WAL in order, sends new batches and heartbeats, and deletes a
 * batch from the WAL only when the hub acknowledges it. Reconnects with
 * exponential backoff and jitter.
 */
import { Buffer } from "node:buffer";
import { type Call, Channel, GrpcError, Status } from "./grpc.ts";
import {
  decodeHubMessage,
  decodeRegisterResponse,
  encodeAgent,
  encodeHeartbeat,
  encodeHello,
  encodeRegisterRequest,
  METHODS,
} from "./wire.ts";
import type {
  ControlRequest,
  ControlResponse,
  DesiredState,
} from "../proto/gen/sightline/agent/v1/agent_lean.ts";
import { authMetadata, signStream } from "../lib/stream_auth.ts";
import { AGENT_VERSION, HUB_TLS_NAME } from "../lib/link.ts";
import type { Logger } from "../lib/log.ts";
import type { Identity } from "./identity.ts";
import type { Wal } from "./wal.ts";

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

/** When this process started: fixed for its life, so the hub tells a restart from a reconnect. */
const AGENT_STARTED_MS = Math.round(performance.timeOrigin);

function channel(hub: string, caPem?: string): Channel {
  return new Channel(hub, {
    // The hub's certificate names HUB_TLS_NAME whatever address the agent
    // dials; the pinned CA is what proves it is our hub.
    serverName: HUB_TLS_NAME,
    caPem,
    userAgent: `sightline-agent/${AGENT_VERSION}`,
  });
}

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
  const ch = channel(hub);
  try {
    const res = decodeRegisterResponse(
      await ch.unary(
        METHODS.register,
        encodeRegisterRequest({
          token,
          hostname: facts.hostname,
          agentVersion: AGENT_VERSION,
          os: facts.os,
          arch: facts.arch,
        }),
        15_000,
      ),
    );
    if (!res.agentId || res.agentKey.length === 0 || !res.caPem) {
      throw new Error("the hub's answer lacks an agent id, key or CA");
    }
    return {
      hub,
      agentId: res.agentId,
      agentKey: Buffer.from(res.agentKey).toString("base64"),
      caPem: res.caPem,
      hostName: res.hostName,
    };
  } catch (err) {
    const why = (err as Error).message;
    // OpenSSL's words for a peer that does not speak TLS at all.
    const hint = /wrong version number|InvalidContentType/.test(why)
      ? " (that port does not speak TLS: give the hub's agent port, not the dashboard's)"
      : "";
    throw new Error(`Cannot register with ${hub}: ${why}${hint}`);
  } finally {
    await ch.close();
  }
}

/** Batches sent but not yet acknowledged, at most. */
const WINDOW = 64;
const WELCOME_TIMEOUT_MS = 10_000;

/** How often an agent the hub refused tries again (the hub may be restored from a backup). */
export const REFUSED_RETRY_MS = 10 * 60_000;

/** The first reconnect after a healthy session waits up to this long. */
export const FIRST_RETRY_SPREAD_MS = 5000;

/**
 * The wait before reconnect attempt `attempt` (0: the first after a healthy
 * session): "full jitter", uniform between 100 ms and a ceiling that starts
 * at 5 s and doubles up to `maxS`. A hub restart drops every agent at once;
 * spread like this they come back over seconds instead of in one storm.
 */
export function backoffMs(attempt: number, maxS: number, random = Math.random): number {
  const ceiling = Math.min(maxS * 1000, FIRST_RETRY_SPREAD_MS * 2 ** Math.min(attempt, 16));
  return 100 + random() * Math.max(0, ceiling - 100);
}

/**
 * The wait the hub asked for when it shed load (`grpc-retry-pushback-ms`),
 * stretched by up to half again at random so the agents it turned away do
 * not all return together.
 */
export function pushbackMs(askedMs: number, maxS: number, random = Math.random): number {
  return Math.min(maxS * 1000, askedMs) * (1 + random() / 2);
}

/** What the link hands the agent's control code (agent/control.ts). */
export interface LinkControl {
  /** The desired-state version held, said in Hello. */
  desiredVersion(): number;
  /** Answers one request from the hub. */
  answer(req: ControlRequest): Promise<ControlResponse>;
  /** Stores and applies a desired-state push. */
  apply(push: DesiredState): Promise<void>;
}

/** Keeps the agent connected to its hub for as long as it runs. */
export class HubLink {
  #channel: Channel;
  #key: Uint8Array;
  #stopped = false;
  #wake: (() => void) | null = null;
  /** Set by notify() so a wake-up that comes while the sender is busy is not lost. */
  #signal = false;
  #call: Call | null = null;
  /** Resolves the current reconnect wait early when stopping. */
  #sleepCancel: (() => void) | null = null;
  connected = false;
  /** The hub's refusal was logged (once per run of the agent). */
  #refusedSaid = false;
  #sent = 0;
  #acked = 0;
  /** WAL deletes for acknowledged batches, in ack order. */
  #ackChain: Promise<void> = Promise.resolve();

  constructor(
    private id: Identity,
    private wal: Wal,
    private facts: () => HostFacts,
    private opts: {
      heartbeatMs: number;
      reconnectMaxS: number;
      log: Logger;
      control?: LinkControl;
    },
  ) {
    this.#channel = channel(id.hub, id.caPem);
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
    /** How long the hub asked us to stay away, when it shed load. */
    let asked: number | undefined;
    let refused = false;
    while (!this.#stopped) {
      const started = Date.now();
      try {
        await this.#session();
      } catch (err) {
        if (this.#stopped) break;
        const e = err as Error;
        if (e instanceof GrpcError && e.code === Status.UNAUTHENTICATED) {
          // Retrying fast cannot help: the host was removed or registered
          // anew. Said once; then a try every REFUSED_RETRY_MS, quietly.
          if (!this.#refusedSaid) {
            log.error(
              "The hub refused this agent's credentials: the host was removed or registered again. " +
                `Register this agent again to go on; until then it retries every ${
                  REFUSED_RETRY_MS / 60_000
                } minutes`,
              { hub: this.id.hub, error: e.message },
            );
            this.#refusedSaid = true;
          } else {
            log.debug("Still refused by the hub", { hub: this.id.hub });
          }
          refused = true;
        } else {
          log.warn("Hub link down", { hub: this.id.hub, error: e.message });
        }
        if (e instanceof GrpcError && e.retryAfterMs !== undefined) asked = e.retryAfterMs;
      }
      this.connected = false;
      if (this.#stopped) break;
      // A session that lasted a while was healthy: start the backoff over.
      if (Date.now() - started > 60_000) attempt = 0;
      let wait = asked !== undefined
        ? pushbackMs(asked, this.opts.reconnectMaxS)
        : backoffMs(attempt, this.opts.reconnectMaxS);
      attempt++;
      asked = undefined;
      if (refused) wait = REFUSED_RETRY_MS * (0.9 + Math.random() * 0.2);
      refused = false;
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
      const ended = call.status.catch(() => {});
      call.end();
      await Promise.race([ended, new Promise((r) => setTimeout(r, 1000))]);
      call.cancel();
    }
    this.#sleepCancel?.();
    this.#wake?.();
    await this.#channel.close();
  }

  async #session(): Promise<void> {
    const { wal, opts } = this;
    const creds = signStream(this.id.agentId, this.#key);
    const dropped = await wal.dropped();
    let welcome: (seq: number) => void;
    const welcomed = new Promise<number>((r) => (welcome = r));
    const call = this.#channel.stream(METHODS.connect, authMetadata(creds), (bytes) => {
      let msg;
      try {
        msg = decodeHubMessage(bytes);
      } catch (err) {
        // A stream that carries something unreadable cannot be trusted further: start a new one.
        opts.log.warn("Cannot read a message from the hub; reconnecting", { error: err });
        call.cancel();
        return;
      }
      const kind = msg.kind;
      const control = opts.control;
      if (kind.case === "request" && control) {
        control.answer(kind.value).then((res) => {
          if (!closed) call.write(encodeAgent({ case: "response", value: res }));
        });
        return;
      }
      if (kind.case === "desired" && control) {
        control.apply(kind.value).catch((err) =>
          opts.log.error("Cannot apply desired state", { error: err })
        );
        return;
      }
      if (kind.case === "welcome") welcome(kind.value.lastSeq);
      else if (kind.case === "ack") {
        const { seq, rejected } = kind.value;
        if (rejected) opts.log.warn("Hub rejected a batch", { seq, reason: rejected });
        this.#acked = Math.max(this.#acked, seq);
        this.#ackChain = this.#ackChain.then(() => wal.ack(seq)).catch((err) =>
          opts.log.error("Cannot delete acknowledged batch", { seq, error: err })
        );
        this.notify();
      }
    });
    this.#call = call;

    this.#acked = this.#sent = 0;
    let closed: Error | null = null;
    // The hub ends a stream only to drop the agent: even an OK status is a close.
    const done = call.status.then(
      () => {
        throw (closed = new Error("Hub closed the stream"));
      },
      (err: Error) => {
        throw (closed = err);
      },
    );
    done.catch(() => this.#wake?.());

    const facts = this.facts();
    call.write(encodeHello({
      agentVersion: AGENT_VERSION,
      hostname: facts.hostname,
      os: facts.os,
      arch: facts.arch,
      kernel: facts.kernel,
      environment: facts.environment,
      ips: facts.ips,
      metricsIntervalS: facts.intervalS,
      droppedBatches: dropped,
      desiredVersion: opts.control?.desiredVersion() ?? 0,
      agentStartedUnixMs: AGENT_STARTED_MS,
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
    ]).catch((err) => {
      call.cancel(); // not left open on the connection the next attempt reuses
      throw err;
    }).finally(() => clearTimeout(welcomeTimer));
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
    this.#refusedSaid = false;
    opts.log.info("Connected to hub", {
      hub: this.id.hub,
      resume_after: lastSeq,
      pending: await wal.pending(),
    });

    const heartbeat = setInterval(async () => {
      if (closed) return;
      call.write(encodeHeartbeat({
        unixMs: Date.now(),
        droppedBatches: await wal.dropped(),
        pendingBatches: await wal.pending(),
      }));
    }, opts.heartbeatMs);
    try {
      while (!closed && !this.#stopped) {
        this.#signal = false;
        let progressed = false;
        for await (const e of wal.entries(this.#sent)) {
          if (closed || this.#stopped) break;
          if (this.#sent - this.#acked >= WINDOW) break;
          if (!call.write(e.data)) await call.drained();
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
