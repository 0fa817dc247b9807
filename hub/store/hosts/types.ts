/** The monitored hosts: registration tokens, tags, status and agent key generations. */
import type { AuditRecord } from "../audit/types.ts";

/** What an agent says about its host when it connects. */
export interface HostInfo {
  hostname: string;
  os: string;
  arch: string;
  kernel: string;
  agent_version: string;
  environment: string;
  ips: string[];
  interval_s: number;
  /** Batches the agent dropped because its WAL was full. */
  dropped_batches: number;
}

/** A monitored host as the API shows it. */
export interface Host extends HostInfo {
  id: string;
  name: string;
  status: "online" | "offline";
  /** ISO time of the last heartbeat or batch, null before the first. */
  last_seen: string | null;
  created_at: string;
  /** False until the host's agent has registered with its token. */
  registered: boolean;
  tags: string[];
}

/** The name of a host added without one, until its agent says its hostname. */
export const UNNAMED_HOST = "new host";

/** A host to add, with the hash of its registration token and when that expires. */
export interface NewHost {
  hostId: string;
  /** Null: use the agent's hostname once it registers. */
  name: string | null;
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
}

/** Outcome of exchanging a registration token for a host. */
export type RegisterOutcome =
  | { ok: true; host: Host; keyGeneration: number }
  | { ok: false; reason: "unknown" | "used" | "expired" };

/** A status change flushed from the heartbeat cache. */
export interface StatusUpdate {
  id: string;
  status: "online" | "offline";
  lastSeenMs: number | null;
  droppedBatches: number;
}

/**
 * Hosts. A change a user makes takes an optional audit entry, written in the
 * same transaction, and only when the change is made.
 */
export interface HostStore {
  /**
   * Adds a host that waits for its agent, with the one-time token the agent
   * registers with. A null name means "use the agent's hostname".
   */
  create(t: NewHost, audit?: AuditRecord): Promise<Host>;
  /** Uses the token (once) and marks its host registered under a new key generation. */
  register(
    tokenHash: string,
    agent: { fallbackName: string; now: number },
  ): Promise<RegisterOutcome>;
  /**
   * Gives a host whose agent never registered a fresh one-time token; the
   * tokens it had stop working. False when there is no such host waiting.
   */
  renewToken(
    hostId: string,
    t: { tokenHash: string; createdAt: number; expiresAt: number },
    audit?: AuditRecord,
  ): Promise<boolean>;
  /** Replaces a host's tags; false when there is no such host. */
  setTags(id: string, tags: string[], audit?: AuditRecord): Promise<boolean>;
  /** Removes a host and all its data; false when there was none. */
  remove(id: string, audit?: AuditRecord): Promise<boolean>;

  list(): Promise<Host[]>;
  get(id: string): Promise<Host | null>;
  /** The generation the host's agent key is derived with; null when unknown. */
  keyGeneration(id: string): Promise<number | null>;
  /** What the host's agent said about it when it connected, at `now`. */
  updateInfo(id: string, info: HostInfo, now: number): Promise<void>;
  /** Writes status changes; last_seen never moves backwards. */
  syncStatus(updates: StatusUpdate[]): Promise<void>;
}
