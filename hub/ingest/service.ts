/**
 * The AgentService as the hub implements it: Register exchanges a one-time
 * token for an identity, Connect authenticates the stream, then stores each
 * batch before acknowledging it and reports liveness to the heartbeat worker.
 */
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import {
  type AgentMessage,
  type HubMessage,
  HubMessageSchema,
  type RegisterRequest,
  type RegisterResponse,
  RegisterResponseSchema,
} from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { AUTH_KEYS, MAX_SKEW_MS, NonceCache, verifyStream } from "../../lib/stream_auth.ts";
import type { Logger } from "../../lib/log.ts";
import { agentKey, hashSecret } from "../auth/secrets.ts";
import type { Store } from "../store/store.ts";
import type { LivenessEvent, MetricsSummary } from "../messages.ts";
import { batchToStored, helloToInfo, InvalidMessage, summarize } from "./convert.ts";
import { isDatabaseUnavailable } from "../store/errors.ts";

/** A gRPC failure with the status the client sees; details never carry internals. */
export class GrpcError extends Error {
  constructor(readonly code: grpc.status, message: string) {
    super(message);
  }
}

/** What the service needs from the process around it. */
export interface IngestDeps {
  store: Store;
  secret: Uint8Array;
  caPem: string;
  log: Logger;
  liveness: (e: LivenessEvent) => void;
  stored: (e: { hostId: string; ts: number; seq: number; summary: MetricsSummary }) => void;
  now?: () => number;
}

const TOKEN_RE = /^sl_reg_[A-Za-z0-9_-]{32}$/;
const HELLO_TIMEOUT_MS = 10_000;

type Duplex = grpc.ServerDuplexStream<AgentMessage, HubMessage>;

/** The hub's side of the agent protocol. */
export class IngestService {
  #nonces = new NonceCache();
  #nextStream = 1;
  /** Open streams and the host each speaks for. */
  #streams = new Map<Duplex, string>();
  #now: () => number;

  constructor(private deps: IngestDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /** Exchanges a registration token for agent_id, agent_key and the CA. */
  async register(req: RegisterRequest, peer: string): Promise<RegisterResponse> {
    const { store, secret, log } = this.deps;
    if (!TOKEN_RE.test(req.token)) {
      log.warn("Refused registration", { reason: "malformed token", peer });
      throw new GrpcError(grpc.status.UNAUTHENTICATED, "Cannot register agent: invalid token");
    }
    const fallbackName = (req.hostname || "host").slice(0, 128);
    const outcome = await store.registerHost(hashSecret(req.token), {
      fallbackName,
      now: this.#now(),
    });
    if (!outcome.ok) {
      log.warn("Refused registration", { reason: outcome.reason, peer });
      const why = {
        unknown: "unknown token",
        used: "token was already used",
        expired: "token has expired",
      };
      throw new GrpcError(
        grpc.status.UNAUTHENTICATED,
        `Cannot register agent: ${why[outcome.reason]}`,
      );
    }
    const { host, keyGeneration } = outcome;
    log.info("Registered agent", { host: host.id, name: host.name, peer });
    return create(RegisterResponseSchema, {
      agentId: host.id,
      agentKey: agentKey(secret, host.id, keyGeneration),
      caPem: this.deps.caPem,
      hostName: host.name,
    });
  }

  /** Authenticates the stream's metadata; returns the host id. */
  async authenticate(metadata: grpc.Metadata, peer: string): Promise<string> {
    const get = (k: string) => {
      const v = metadata.get(k)[0];
      return typeof v === "string" ? v : undefined;
    };
    const result = await verifyStream(
      {
        agentId: get(AUTH_KEYS.agentId),
        timestamp: get(AUTH_KEYS.timestamp),
        nonce: get(AUTH_KEYS.nonce),
        signature: get(AUTH_KEYS.signature),
      },
      async (id) => {
        const gen = await this.deps.store.keyGeneration(id);
        return gen === null ? undefined : agentKey(this.deps.secret, id, gen);
      },
      {
        // Memory answers the common case; the store makes a replay fail across
        // ingest restarts and across the hubs of a cluster too.
        remember: async (nonce, ts, now) =>
          this.#nonces.remember(nonce, ts, now) &&
          await this.deps.store.rememberNonce(nonce, ts + MAX_SKEW_MS, now),
      },
      this.#now(),
    );
    if (!result.ok) {
      this.deps.log.warn("Refused agent stream", {
        reason: result.reason,
        agent: get(AUTH_KEYS.agentId)?.slice(0, 64),
        peer,
      });
      throw new GrpcError(grpc.status.UNAUTHENTICATED, "Stream refused: authentication failed");
    }
    return result.agentId;
  }

  /** Serves one authenticated Connect stream until it ends. */
  async connect(call: Duplex): Promise<void> {
    const { store, log, liveness } = this.deps;
    const peer = call.getPeer();
    let hostId: string;
    try {
      hostId = await this.authenticate(call.metadata, peer);
    } catch (err) {
      return fail(call, err);
    }
    const streamId = this.#nextStream++;
    this.#streams.set(call, hostId);
    let hello = false;
    const helloTimer = setTimeout(() => {
      if (!hello) fail(call, new GrpcError(grpc.status.INVALID_ARGUMENT, "Expected Hello first"));
    }, HELLO_TIMEOUT_MS);
    try {
      const lastSeq = await store.lastSeq(hostId);
      call.write(
        create(HubMessageSchema, {
          kind: { case: "welcome", value: { lastSeq: BigInt(lastSeq) } },
        }),
      );
      for await (const msg of messages(call)) {
        const kind = msg.kind;
        if (!hello && kind.case !== "hello") {
          throw new GrpcError(grpc.status.INVALID_ARGUMENT, "Expected Hello first");
        }
        switch (kind.case) {
          case "hello": {
            const info = helloToInfo(kind.value);
            hello = true;
            clearTimeout(helloTimer);
            const at = this.#now();
            await store.updateHostInfo(hostId, info, at);
            liveness({ type: "agent.connected", hostId, streamId, at, info });
            log.info("Agent connected", { host: hostId, peer, version: info.agent_version });
            break;
          }
          case "heartbeat":
            liveness({
              type: "agent.heartbeat",
              hostId,
              streamId,
              at: this.#now(),
              droppedBatches: Number(kind.value.droppedBatches),
              pendingBatches: Number(kind.value.pendingBatches),
            });
            break;
          case "metrics":
            await this.#storeBatch(call, hostId, kind.value);
            break;
          case undefined:
            break; // a kind this hub does not know yet: newer agent, ignore
        }
      }
      if (!call.cancelled && !call.destroyed) call.end();
    } catch (err) {
      const failure = err instanceof InvalidMessage
        ? new GrpcError(grpc.status.INVALID_ARGUMENT, err.message)
        : isDatabaseUnavailable(err)
        // The agent keeps the batch and retries: nothing is lost.
        ? new GrpcError(grpc.status.UNAVAILABLE, "Hub database unavailable; retry later")
        : err;
      if (isDatabaseUnavailable(err)) {
        log.warn("Database unreachable", { host: hostId, error: err });
      } else if (!(failure instanceof GrpcError) && !call.cancelled) {
        log.error("Agent stream failed", { host: hostId, error: failure });
      }
      fail(call, failure);
    } finally {
      clearTimeout(helloTimer);
      this.#streams.delete(call);
      liveness({ type: "agent.disconnected", hostId, streamId, at: this.#now() });
      log.info("Agent disconnected", { host: hostId, peer });
    }
  }

  async #storeBatch(
    call: Duplex,
    hostId: string,
    batch: import("../../proto/gen/sightline/agent/v1/agent_pb.ts").MetricsBatch,
  ) {
    const seq = batch.seq;
    let rejected = "";
    try {
      const stored = batchToStored(batch, this.#now());
      const { inserted } = await this.deps.store.writeBatch(hostId, stored);
      if (inserted) {
        this.deps.stored({
          hostId,
          ts: stored.ts,
          seq: stored.seq,
          summary: summarize(stored.latest),
        });
      }
    } catch (err) {
      if (!(err instanceof InvalidMessage)) throw err; // store down: no ack, the agent keeps it
      rejected = err.message;
      this.deps.log.warn("Rejected metrics batch", { host: hostId, seq, reason: rejected });
    }
    call.write(create(HubMessageSchema, { kind: { case: "ack", value: { seq, rejected } } }));
  }

  /** Ends the streams of a host that was removed. */
  closeHost(hostId: string): void {
    for (const [call, id] of this.#streams) {
      if (id === hostId) fail(call, new GrpcError(grpc.status.UNAUTHENTICATED, "Host was removed"));
    }
  }

  /** Ends every open stream (the agents will reconnect elsewhere or later). */
  closeAll(): void {
    for (const call of this.#streams.keys()) {
      fail(call, new GrpcError(grpc.status.UNAVAILABLE, "Hub is shutting down"));
    }
  }
}

/**
 * The messages of a call, in order, with backpressure. Unlike iterating the
 * stream itself, leaving the loop early does not destroy the call, so the
 * hub can still send the agent a status saying why.
 */
async function* messages(call: Duplex): AsyncGenerator<AgentMessage> {
  const queue: AgentMessage[] = [];
  let done = false;
  let error: unknown = null;
  let wake: (() => void) | null = null;
  const onData = (m: AgentMessage) => {
    queue.push(m);
    if (queue.length >= 16) call.pause();
    wake?.();
  };
  const onEnd = () => {
    done = true;
    wake?.();
  };
  const onError = (e: unknown) => {
    error = e;
    onEnd();
  };
  call.on("data", onData);
  call.on("end", onEnd);
  call.on("cancelled", onEnd);
  call.on("error", onError);
  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        if (queue.length < 4) call.resume();
        yield next;
        continue;
      }
      if (error) throw error;
      if (done) return;
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  } finally {
    call.off("data", onData);
    call.off("end", onEnd);
    call.off("cancelled", onEnd);
    call.off("error", onError);
  }
}

function fail(call: Duplex, err: unknown): void {
  const e = err instanceof GrpcError
    ? err
    : isDatabaseUnavailable(err)
    ? new GrpcError(grpc.status.UNAVAILABLE, "Hub database unavailable; retry later")
    : new GrpcError(grpc.status.INTERNAL, "Internal error");
  if (call.destroyed || call.cancelled) return;
  call.emit("error", { code: e.code, details: e.message });
}
