/**
 * Hubs that share one PostgreSQL database form a cluster: each publishes its
 * live events (status changes, stored batches, hosts added, changed or
 * removed) with NOTIFY and listens for
 * the others', so a browser on any hub sees agents connected to every hub.
 * Presence: every hub says it is alive every few seconds; one silent for
 * longer than PRESENCE_TTL_MS is taken for dead and its hosts' status dropped.
 */
import type postgres from "postgres";
import type { Logger } from "../../lib/log.ts";
import type { LiveEvent } from "../../lib/live_events.ts";

const CHANNEL = "sightline_events";
const ALIVE_EVERY_MS = 5000;
const PRESENCE_TTL_MS = 15_000;

/** What hubs tell each other. */
export type ClusterMessage =
  | { type: "hub.hello"; hub: string }
  | { type: "hub.alive"; hub: string }
  | { type: "hub.bye"; hub: string }
  | {
    type: "host.status";
    hub: string;
    hostId: string;
    status: "online" | "offline";
    lastSeen: number | null;
    pendingBatches: number;
  }
  /** An event browsers see as it is: a stored batch, a host added, changed or removed. */
  | { type: "live"; hub: string; event: LiveEvent }
  /** A host's desired state changed: the hub holding its agent's stream pushes it. */
  | { type: "host.desired"; hub: string; hostId: string }
  /** Alert rules, mutes or channels changed (no host), or one host's alerts (acknowledged). */
  | { type: "alerts.changed"; hub: string; hostId?: string | null }
  /** Checks were added, changed or removed: each hub judges them afresh. */
  | { type: "checks.changed"; hub: string }
  /**
   * Rounds of checks this hub stored, for every hub's judge: a check's agents
   * may stream to different hubs, and k of them failing is only seen whole.
   */
  | { type: "checks.rounds"; hub: string; hostId: string; rounds: RelayedRound[] };

/** A stored round as the judge needs it (hub/probes/engine.ts). */
export interface RelayedRound {
  check_id: string;
  ts: number;
  ok: boolean;
  message: string;
}

/** A NOTIFY payload stays under PostgreSQL's 8,000 bytes. */
const MAX_PAYLOAD = 7000;

/**
 * `rounds` as relay messages, each under NOTIFY's limit (a failure's message
 * cut to 200 characters: the judge keeps it as an incident's cause).
 */
export function roundMessages(
  hostId: string,
  rounds: ReadonlyArray<RelayedRound>,
): Array<{ type: "checks.rounds"; hostId: string; rounds: RelayedRound[] }> {
  const out: Array<{ type: "checks.rounds"; hostId: string; rounds: RelayedRound[] }> = [];
  let chunk: RelayedRound[] = [];
  let bytes = 200;
  for (const r of rounds) {
    const slim = { check_id: r.check_id, ts: r.ts, ok: r.ok, message: r.message.slice(0, 200) };
    const size = new TextEncoder().encode(JSON.stringify(slim)).length + 1;
    if (chunk.length && bytes + size > MAX_PAYLOAD) {
      out.push({ type: "checks.rounds", hostId, rounds: chunk });
      chunk = [];
      bytes = 200;
    }
    chunk.push(slim);
    bytes += size;
  }
  if (chunk.length) out.push({ type: "checks.rounds", hostId, rounds: chunk });
  return out;
}

/** Distributive Omit, so each message keeps its own fields. */
type WithoutHub<T> = T extends unknown ? Omit<T, "hub"> : never;

/** This hub's membership in the cluster. */
export class Cluster {
  readonly hubId = crypto.randomUUID();
  #peers = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #unlisten: (() => Promise<void>) | null = null;

  constructor(
    private sql: postgres.Sql,
    private log: Logger,
    private handlers: {
      message: (m: ClusterMessage) => void;
      /** A peer stopped or went silent. */
      peerGone: (hubId: string) => void;
    },
  ) {}

  /** Starts listening and announces this hub. */
  async start(): Promise<void> {
    const { unlisten } = await this.sql.listen(CHANNEL, (payload) => this.#receive(payload));
    this.#unlisten = unlisten;
    this.publish({ type: "hub.hello" });
    this.#timer = setInterval(() => {
      this.publish({ type: "hub.alive" });
      const now = Date.now();
      for (const [hub, seen] of this.#peers) {
        if (now - seen > PRESENCE_TTL_MS) this.#gone(hub, "silent");
      }
    }, ALIVE_EVERY_MS);
  }

  #gone(hub: string, why: string) {
    if (!this.#peers.delete(hub)) return;
    this.log.info("Hub left the cluster", { hub, why });
    this.handlers.peerGone(hub);
  }

  #receive(payload: string) {
    let m: ClusterMessage;
    try {
      m = JSON.parse(payload);
    } catch {
      return;
    }
    if (!m || typeof m.hub !== "string" || m.hub === this.hubId) return;
    if (m.type === "hub.bye") return this.#gone(m.hub, "stopped");
    if (!this.#peers.has(m.hub)) this.log.info("Hub joined the cluster", { hub: m.hub });
    this.#peers.set(m.hub, Date.now());
    this.handlers.message(m);
  }

  /** Tells the other hubs; a database outage only costs them this event. */
  publish(m: WithoutHub<ClusterMessage>): void {
    this.sql.notify(CHANNEL, JSON.stringify({ ...m, hub: this.hubId })).catch((err) =>
      this.log.debug("Cannot notify the cluster", { error: err })
    );
  }

  /** Says goodbye so peers drop this hub's hosts at once. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.sql.notify(CHANNEL, JSON.stringify({ type: "hub.bye", hub: this.hubId })).catch(
      () => {},
    );
    await this.#unlisten?.().catch(() => {});
  }
}
