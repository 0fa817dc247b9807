/**
 * The storage contract every backend implements (SQLite embedded, PostgreSQL
 * later). Rows cross this boundary as the application types below; callers
 * never see SQL.
 */

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
}

/** One value of one series at the batch's time. */
export interface Point {
  metric: string;
  label: string;
  value: number;
}

/** A metrics batch ready to store: the flattened points and the snapshot. */
export interface StoredBatch {
  seq: number;
  ts: number;
  points: Point[];
  /** The full snapshot the host API shows as `latest`. */
  latest: Record<string, unknown>;
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

/** The storage backend. Every write is atomic. */
export interface Store {
  /** Applies pending migrations; returns the names of those applied. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;

  createRegistrationToken(
    t: { hash: string; name: string | null; createdAt: number; expiresAt: number },
  ): Promise<void>;
  /** Uses the token (once) and creates the host it registers. */
  registerHost(
    tokenHash: string,
    host: { id: string; fallbackName: string; now: number },
  ): Promise<RegisterOutcome>;

  listHosts(): Promise<Host[]>;
  getHost(id: string): Promise<Host | null>;
  /** The generation the host's agent key is derived with; null when unknown. */
  keyGeneration(id: string): Promise<number | null>;
  updateHostInfo(id: string, info: HostInfo, now: number): Promise<void>;
  syncStatus(updates: StatusUpdate[]): Promise<void>;

  /** The highest seq stored for the host, 0 when none. */
  lastSeq(hostId: string): Promise<number>;
  /** Stores the batch unless (host, seq) is already stored; says which. */
  writeBatch(hostId: string, batch: StoredBatch): Promise<{ inserted: boolean }>;
  latest(hostId: string): Promise<{ ts: number; data: Record<string, unknown> } | null>;
  /** Averages per `stepMs` bucket in [fromMs, toMs); buckets with no sample are absent. */
  queryRange(
    hostId: string,
    metric: string,
    label: string,
    fromMs: number,
    toMs: number,
    stepMs: number,
  ): Promise<Array<[number, number]>>;
  /** Labels stored for a metric of a host (mounts, interfaces, cores…). */
  seriesLabels(hostId: string, metric: string): Promise<string[]>;

  createApiKey(k: { id: string; name: string; hash: string; createdAt: number }): Promise<void>;
  /** The live (not revoked) key with this hash, marking it used. */
  useApiKey(hash: string, now: number): Promise<{ id: string; name: string } | null>;
}
