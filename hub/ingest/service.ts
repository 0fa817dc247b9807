/**
 * The AgentService as the hub implements it: Register exchanges a one-time
 * token for an identity, Connect authenticates the stream, then stores each
 * batch before acknowledging it and reports liveness to the heartbeat worker.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  AgentMessageSchema,
  type CheckResults,
  type LogBatch,
  type MetricsBatch,
  type PackageBatch,
  RegisterRequestSchema,
  RegisterResponseSchema,
} from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { GrpcError, type ServerCall, Status } from "../../lib/grpc/server.ts";
import { AUTH_KEYS, MAX_SKEW_MS, NonceCache, verifyStream } from "../../lib/stream_auth.ts";
import type { Logger } from "../../lib/log.ts";
import { agentKey, hashSecret } from "../auth/secrets.ts";
import type { Store } from "../store/store.ts";
import type { LivenessEvent } from "../messages.ts";
import type { MetricsSummary } from "../../lib/live_events.ts";
import { batchToStored, helloToInfo, InvalidMessage } from "./convert.ts";
import { summarize } from "../../lib/fleet.ts";
import { isDatabaseUnavailable } from "../store/errors.ts";
import { Admission, DEFAULT_ADMISSION } from "./admission.ts";
import { cleanName } from "../../lib/names.ts";
import { ControlChannel, send } from "./control.ts";
import { agentStarted, helloChanges, markOf, RebootWatch } from "./changes.ts";
import type { NewHostChange } from "../store/changes/types.ts";
import { packageBatchToStored } from "./packages.ts";
import type { CheckRound } from "../store/probes/types.ts";
import { resultsToRounds } from "../probes/convert.ts";
import { logBatchToStored } from "./logs.ts";
import type { StoredLogBatch } from "../store/logs/types.ts";

/** What the service needs from the process around it. */
export interface IngestDeps {
  store: Store;
  secret: Uint8Array;
  caPem: string;
  log: Logger;
  liveness: (e: LivenessEvent) => void;
  stored: (e: {
    hostId: string;
    ts: number;
    seq: number;
    summary: MetricsSummary;
    samples: Array<[string, string, number]>;
    failing: string[];
  }) => void;
  /** A package batch changed a host's inventory (live updates of its Packages tab). */
  packages?: (
    e: { hostId: string; ts: number; seq: number; full: boolean; changes: number },
  ) => void;
  /** Check rounds newly stored (a replayed batch tells nothing): the hub judges them. */
  checksStored?: (e: { hostId: string; rounds: CheckRound[] }) => void;
  /** Told of each log batch stored (live tail); replays are not told again. */
  logsStored?: (e: { hostId: string; batch: StoredLogBatch }) => void;
  now?: () => number;
  /** Load shedding for calls starting (by default: at most 256 at once, or while the loop lags). */
  admission?: Admission;
}

const TOKEN_RE = /^sl_reg_[A-Za-z0-9_-]{32}$/;
const HELLO_TIMEOUT_MS = 10_000;
/**
 * How long a resync asked of a host is waited for before it is asked again:
 * the deltas already in its WAL arrive on the old baseline before the full
 * inventory does, and each need not ask once more.
 */
const RESYNC_WAIT_MS = 5 * 60_000;

/** The hub's side of the agent protocol. */
export class IngestService {
  #nonces = new NonceCache();
  #nextStream = 1;
  /** Open streams and the host each speaks for. */
  #streams = new Map<ServerCall, string>();
  #now: () => number;
  #admission: Admission;
  /** Values dropped as impossible, per host (seeded from the stored snapshot). */
  #invalid = new Map<string, number>();
  /**
   * Hosts whose last list stored here was empty, from the engine named: the
   * same again with no events changes nothing, and most hosts of a fleet
   * without containers would otherwise cost a transaction each batch.
   * Forgotten on connect (another hub may have stored lists meanwhile).
   */
  #noContainers = new Map<string, string>();
  /** When a package resync was last asked of a host, until its full inventory arrives. */
  #resyncAsked = new Map<string, number>();
  /** Requests to agents and desired-state pushes, over the streams this service holds. */
  readonly control: ControlChannel;

  constructor(private deps: IngestDeps) {
    this.control = new ControlChannel({ store: deps.store, log: deps.log });
    this.#now = deps.now ?? Date.now;
    this.#admission = deps.admission ?? new Admission({ ...DEFAULT_ADMISSION, log: deps.log });
  }

  /** Exchanges a registration token for agent_id, agent_key and the CA. */
  async register(bytes: Uint8Array, peer: string): Promise<Uint8Array> {
    const release = this.#admission.enter();
    try {
      return await this.#register(bytes, peer);
    } finally {
      release();
    }
  }

  async #register(bytes: Uint8Array, peer: string): Promise<Uint8Array> {
    const { store, secret, log } = this.deps;
    let req;
    try {
      req = fromBinary(RegisterRequestSchema, bytes);
    } catch {
      throw new GrpcError(Status.INVALID_ARGUMENT, "Cannot register agent: malformed request");
    }
    if (!TOKEN_RE.test(req.token)) {
      log.warn("Refused registration", { reason: "malformed token", peer });
      throw new GrpcError(Status.UNAUTHENTICATED, "Cannot register agent: invalid token");
    }
    // The agent's hostname becomes the host's name: nothing that hides may stay in it.
    const fallbackName = cleanName("host", req.hostname) || "host";
    const outcome = await store.hosts.register(hashSecret(req.token), {
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
        Status.UNAUTHENTICATED,
        `Cannot register agent: ${why[outcome.reason]}`,
      );
    }
    const { host, keyGeneration } = outcome;
    log.info("Registered agent", { host: host.id, name: host.name, peer });
    return toBinary(
      RegisterResponseSchema,
      create(RegisterResponseSchema, {
        agentId: host.id,
        agentKey: agentKey(secret, host.id, keyGeneration),
        caPem: this.deps.caPem,
        hostName: host.name,
      }),
    );
  }

  /** Authenticates the stream's metadata; returns the host id. */
  async authenticate(get: (key: string) => string | undefined, peer: string): Promise<string> {
    const result = await verifyStream(
      {
        agentId: get(AUTH_KEYS.agentId),
        timestamp: get(AUTH_KEYS.timestamp),
        nonce: get(AUTH_KEYS.nonce),
        signature: get(AUTH_KEYS.signature),
      },
      async (id) => {
        const gen = await this.deps.store.hosts.keyGeneration(id);
        return gen === null ? undefined : agentKey(this.deps.secret, id, gen);
      },
      {
        // Memory answers the common case; the store makes a replay fail across
        // ingest restarts and across the hubs of a cluster too.
        remember: async (nonce, ts, now) =>
          this.#nonces.remember(nonce, ts, now) &&
          await this.deps.store.nonces.remember(nonce, ts + MAX_SKEW_MS, now),
      },
      this.#now(),
    );
    if (!result.ok) {
      this.deps.log.warn("Refused agent stream", {
        reason: result.reason,
        agent: get(AUTH_KEYS.agentId)?.slice(0, 64),
        peer,
      });
      throw new GrpcError(Status.UNAUTHENTICATED, "Stream refused: authentication failed");
    }
    return result.agentId;
  }

  /** Serves one authenticated Connect stream until it ends. */
  async connect(call: ServerCall): Promise<void> {
    const { store, log, liveness } = this.deps;
    const peer = call.peer;
    let release: (() => void) | undefined;
    let hostId: string;
    try {
      // The start (signature, nonce, lastSeq, Hello) is admitted; streaming after it is not limited.
      release = this.#admission.enter();
      hostId = await this.authenticate((k) => call.metadata(k), peer);
    } catch (err) {
      release?.();
      return fail(call, err);
    }
    const streamId = this.#nextStream++;
    this.#streams.set(call, hostId);
    let hello = false;
    // Reboots are told batch to batch, from where the host's last stream left off.
    const reboots = new RebootWatch(async () => {
      const latest = await store.metrics.latest(hostId);
      return latest ? markOf(latest.ts, latest.data) : null;
    });
    const helloTimer = setTimeout(() => {
      if (!hello) fail(call, new GrpcError(Status.INVALID_ARGUMENT, "Expected Hello first"));
    }, HELLO_TIMEOUT_MS);
    try {
      const lastSeq = await store.metrics.lastSeq(hostId);
      let welcomed = false;
      for await (const bytes of call.messages()) {
        const msg = decode(() => fromBinary(AgentMessageSchema, bytes));
        const kind = msg.kind;
        if (!hello && kind.case !== "hello") {
          throw new GrpcError(Status.INVALID_ARGUMENT, "Expected Hello first");
        }
        switch (kind.case) {
          case "hello": {
            const info = helloToInfo(kind.value);
            hello = true;
            this.#noContainers.delete(hostId);
            clearTimeout(helloTimer);
            release?.();
            const at = this.#now();
            // Before updateInfo overwrites what they are compared with.
            const started = agentStarted(kind.value.agentStartedUnixMs, at);
            const before = await store.hosts.get(hostId);
            await this.#recordChanges(hostId, helloChanges(before, info, started, at));
            await store.hosts.updateInfo(hostId, info, at);
            liveness({ type: "agent.connected", hostId, streamId, at, info });
            log.info("Agent connected", { host: hostId, peer, version: info.agent_version });
            await this.control.attach(call, hostId, Number(kind.value.desiredVersion));
            // Welcomed once the stream is attached: an agent that says it is connected can be
            // asked at once (a request before the attach found it "not connected").
            if (!welcomed) {
              welcomed = true;
              send(call, { kind: { case: "welcome", value: { lastSeq: BigInt(lastSeq) } } });
            }
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
            await this.#storeBatch(call, hostId, kind.value, reboots);
            break;
          case "packages":
            await this.#storePackages(call, hostId, kind.value);
            break;
          case "checks":
            await this.#storeChecks(call, hostId, kind.value);
            break;
          case "response":
            this.control.answered(call, kind.value);
            break;
          case "logs":
            await this.#storeLogs(call, hostId, kind.value);
            break;
          case undefined:
            break; // a kind this hub does not know yet: newer agent, ignore
        }
      }
      call.end();
    } catch (err) {
      const failure = err instanceof InvalidMessage
        ? new GrpcError(Status.INVALID_ARGUMENT, err.message)
        : isDatabaseUnavailable(err)
        // The agent keeps the batch and retries: nothing is lost.
        ? new GrpcError(Status.UNAVAILABLE, "Hub database unavailable; retry later")
        : err;
      if (isDatabaseUnavailable(err)) {
        log.warn("Database unreachable", { host: hostId, error: err });
      } else if (!(failure instanceof GrpcError) && !call.signal.aborted) {
        log.error("Agent stream failed", { host: hostId, error: failure });
      }
      fail(call, failure);
    } finally {
      release?.();
      clearTimeout(helloTimer);
      this.#streams.delete(call);
      this.control.detach(call);
      liveness({ type: "agent.disconnected", hostId, streamId, at: this.#now() });
      log.info("Agent disconnected", { host: hostId, peer });
    }
  }

  /** Records what changed on the host (once per key, see hub/store/changes). */
  async #recordChanges(hostId: string, changes: NewHostChange[]): Promise<void> {
    if (!changes.length) return;
    const recorded = await this.deps.store.changes.record(hostId, changes, this.#now());
    for (const c of recorded) {
      this.deps.log.info("Host changed", { host: hostId, kind: c.kind, summary: c.summary });
    }
  }

  async #storeBatch(
    call: ServerCall,
    hostId: string,
    batch: MetricsBatch,
    reboots: RebootWatch,
  ) {
    const seq = batch.seq;
    let rejected = "";
    try {
      const stored = batchToStored(batch, this.#now());
      const invalid = await this.#countInvalid(hostId, stored);
      // Recorded first: a batch stored and then a failure would never show it again.
      const reboot = await reboots.see(markOf(stored.ts, stored.latest)!);
      if (reboot) await this.#recordChanges(hostId, [reboot]);
      // Before the batch's row: both writes are idempotent on (host, seq), so
      // a failure between them leaves a batch the agent resends and both take once.
      await this.#recordContainers(hostId, stored.containers);
      const { inserted } = await this.deps.store.metrics.writeBatch(hostId, stored);
      // A replayed batch was counted when it was first stored.
      if (inserted) this.#invalid.set(hostId, invalid);
      if (inserted) {
        this.deps.stored({
          hostId,
          ts: stored.ts,
          seq: stored.seq,
          summary: summarize(stored.latest),
          samples: stored.points.map((p) => [p.metric, p.label, p.value]),
          failing: (stored.latest.errors as Array<{ collector: string }>).map((e) => e.collector),
        });
      }
    } catch (err) {
      if (!(err instanceof InvalidMessage)) throw err; // store down: no ack, the agent keeps it
      rejected = err.message;
      this.deps.log.warn("Rejected metrics batch", { host: hostId, seq, reason: rejected });
    }
    // An agent that does not read its acks is not read either: flow control
    // then slows it down, instead of acks piling up here.
    if (!send(call, { kind: { case: "ack", value: { seq, rejected } } })) await call.drained();
  }

  async #recordContainers(hostId: string, report: ReturnType<typeof batchToStored>["containers"]) {
    if (!report) return;
    const empty = report.listed && report.containers.length === 0 && report.events.length === 0;
    if (empty && this.#noContainers.get(hostId) === report.engine) return;
    this.#noContainers.delete(hostId);
    await this.deps.store.containers.record(hostId, report);
    if (empty) this.#noContainers.set(hostId, report.engine);
  }

  async #storePackages(call: ServerCall, hostId: string, batch: PackageBatch) {
    const { store, log } = this.deps;
    const seq = batch.seq;
    let rejected = "";
    let resync = false;
    try {
      const stored = packageBatchToStored(batch, this.#now());
      const out = await store.packages.writeBatch(hostId, stored, this.#now());
      if (out.status === "no_baseline") {
        // Nothing to apply the delta to: acked all the same (it will never
        // apply), and a full inventory asked for instead.
        log.info("Package delta on a baseline the hub does not hold", {
          host: hostId,
          seq: stored.seq,
          baseline: stored.baselineSeq,
          held: out.held,
        });
        resync = true;
      } else if (out.status === "applied") {
        if (stored.full) this.#resyncAsked.delete(hostId);
        if (out.resync) {
          log.warn("Package count differs from the agent's", { host: hostId, seq: stored.seq });
        }
        resync = out.resync;
        this.deps.packages?.({
          hostId,
          ts: stored.ts,
          seq: stored.seq,
          full: stored.full,
          changes: out.changes,
        });
      }
    } catch (err) {
      if (!(err instanceof InvalidMessage)) throw err; // store down: no ack, the agent keeps it
      rejected = err.message;
      log.warn("Rejected package batch", { host: hostId, seq, reason: rejected });
    }
    if (!send(call, { kind: { case: "ack", value: { seq, rejected } } })) await call.drained();
    if (resync) this.#askResync(hostId);
  }

  /** Asks the host's agent for a full inventory, once per wait; never waits for the answer here. */
  #askResync(hostId: string): void {
    const now = this.#now();
    const asked = this.#resyncAsked.get(hostId);
    if (asked !== undefined && now - asked < RESYNC_WAIT_MS) return;
    this.#resyncAsked.set(hostId, now);
    this.control.ask(hostId, { case: "packagesResync" }).then((a) => {
      if (a.ok) {
        this.deps.log.info("Asked for a package resync", {
          host: hostId,
          seq: a.case === "packagesResync" ? a.seq : undefined,
        });
      } else {
        // Asked again on the next delta after the wait.
        this.deps.log.warn("Package resync not answered", { host: hostId, error: a.message });
      }
    });
  }

  /** Stores a check-results batch once on (host, seq), then acks it (see #storeBatch). */
  async #storeChecks(call: ServerCall, hostId: string, batch: CheckResults) {
    const seq = batch.seq;
    let rejected = "";
    try {
      const parsed = resultsToRounds(batch, this.#now());
      const { inserted, stored } = await this.deps.store.probes.writeRounds(
        hostId,
        parsed,
        this.#now(),
      );
      if (inserted && stored.length) this.deps.checksStored?.({ hostId, rounds: stored });
    } catch (err) {
      if (!(err instanceof InvalidMessage)) throw err;
      rejected = err.message;
      this.deps.log.warn("Rejected check results", { host: hostId, seq, reason: rejected });
    }
    if (!send(call, { kind: { case: "ack", value: { seq, rejected } } })) await call.drained();
  }

  /** Stores a log batch once on (host, seq), then acknowledges it; like a metrics batch. */
  async #storeLogs(call: ServerCall, hostId: string, batch: LogBatch) {
    const seq = batch.seq;
    let rejected = "";
    try {
      const stored = logBatchToStored(batch, this.#now());
      const { inserted } = await this.deps.store.logs.writeBatch(hostId, stored, this.#now());
      if (inserted) {
        for (const e of stored.errors) {
          this.deps.log.warn("Agent cannot read a log source", {
            host: hostId,
            source: e.source_id,
            error: e.message,
          });
        }
        this.deps.logsStored?.({ hostId, batch: stored });
      }
    } catch (err) {
      if (!(err instanceof InvalidMessage)) throw err; // store down: no ack, the agent keeps it
      rejected = err.message;
      this.deps.log.warn("Rejected log batch", { host: hostId, seq, reason: rejected });
    }
    if (!send(call, { kind: { case: "ack", value: { seq, rejected } } })) await call.drained();
  }

  /**
   * Keeps the host's count of values dropped as impossible in its snapshot
   * (`invalid_values_total`, shown on the host page), and says what was dropped.
   */
  async #countInvalid(
    hostId: string,
    stored: ReturnType<typeof batchToStored>,
  ): Promise<number> {
    let total = this.#invalid.get(hostId);
    if (total === undefined) {
      // Once per host and process: carry on from the count the snapshot holds.
      const prior = (await this.deps.store.metrics.latest(hostId))?.data.invalid_values_total;
      total = typeof prior === "number" && Number.isSafeInteger(prior) ? prior : 0;
      this.#invalid.set(hostId, total);
    }
    if (stored.dropped.length) {
      total += stored.dropped.length;
      const first = stored.dropped[0];
      this.deps.log.warn("Dropped values no metric can have", {
        host: hostId,
        seq: stored.seq,
        count: stored.dropped.length,
        first: `${first.metric}${first.label ? `{${first.label}}` : ""}=${first.value}`,
      });
    }
    if (total) stored.latest.invalid_values_total = total;
    return total;
  }

  /** Ends the streams of a host that was removed. */
  closeHost(hostId: string): void {
    this.#invalid.delete(hostId);
    this.#noContainers.delete(hostId);
    this.#resyncAsked.delete(hostId);
    for (const [call, id] of this.#streams) {
      if (id === hostId) fail(call, new GrpcError(Status.UNAUTHENTICATED, "Host was removed"));
    }
  }

  /** Ends every open stream (the agents will reconnect elsewhere or later). */
  closeAll(): void {
    for (const call of this.#streams.keys()) {
      fail(call, new GrpcError(Status.UNAVAILABLE, "Hub is shutting down"));
    }
  }
}

/** Decodes a message; bytes that are not one are the client's error. */
function decode<T>(f: () => T): T {
  try {
    return f();
  } catch {
    throw new InvalidMessage("malformed message");
  }
}

function fail(call: ServerCall, err: unknown): void {
  const e = err instanceof GrpcError
    ? err
    : err instanceof InvalidMessage
    ? new GrpcError(Status.INVALID_ARGUMENT, err.message)
    : isDatabaseUnavailable(err)
    ? new GrpcError(Status.UNAVAILABLE, "Hub database unavailable; retry later")
    : new GrpcError(Status.INTERNAL, "Internal error");
  call.end(e);
}
