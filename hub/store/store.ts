/**
 * The storage contract every backend implements (SQLite embedded, PostgreSQL
 * later). Rows cross this boundary as the application types below; callers
 * never see SQL.
 */
import type { RollupTier, TierName } from "./tiers.ts";

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

/** A range read; see {@link Store.queryRange}. */
export interface RangeQuery {
  hostIds: string[];
  metric: string;
  label: string;
  tier: TierName;
  from: number;
  to: number;
  stepMs: number;
}

/** One bucket of one host's series. */
export interface RangeRow {
  hostId: string;
  /** Bucket start, Unix ms. */
  t: number;
  /** Raw samples the bucket summarises. */
  n: number;
  avg: number;
  min: number;
  max: number;
}

/** The storage backend. Every write is atomic. */
export interface Store {
  /** Applies pending migrations; returns the names of those applied. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;

  /**
   * Adds a host that waits for its agent, with the one-time token the agent
   * registers with. A null name means "use the agent's hostname".
   */
  createHostWithToken(t: {
    hostId: string;
    name: string | null;
    tokenHash: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<Host>;
  /** Uses the token (once) and marks its host registered under a new key generation. */
  registerHost(
    tokenHash: string,
    agent: { fallbackName: string; now: number },
  ): Promise<RegisterOutcome>;
  /** Replaces a host's tags; false when there is no such host. */
  setHostTags(id: string, tags: string[]): Promise<boolean>;
  /** Removes a host and all its data; false when there was none. */
  deleteHost(id: string): Promise<boolean>;
  /** Drops what this connection cached about a host another connection removed. */
  forgetHost(id: string): void;

  listHosts(): Promise<Host[]>;
  getHost(id: string): Promise<Host | null>;
  /** The generation the host's agent key is derived with; null when unknown. */
  keyGeneration(id: string): Promise<number | null>;
  updateHostInfo(id: string, info: HostInfo, now: number): Promise<void>;
  syncStatus(updates: StatusUpdate[]): Promise<void>;

  /** The seqs of a host's stored batches in the order they arrived (diagnostics, tests). */
  batchSeqs(hostId: string): Promise<number[]>;
  /**
   * Records a stream nonce until `expiresAt`; false when it was already used
   * (a replayed handshake). Forgets expired nonces as it goes.
   */
  rememberNonce(nonce: string, expiresAt: number, now: number): Promise<boolean>;
  /**
   * Drops raw samples older than `before` (whole day partitions where the
   * backend has them) and batch records older than that, once rolled up, but
   * each host's last,
   * at most `limit` rows a call, so a big backlog is worked off in steps.
   * Returns the rows (or partitions) it removed.
   */
  pruneRaw(
    before: number,
    limit?: number,
  ): Promise<{ samples: number; partitions: number; batches: number }>;
  /** Drops a rollup tier's buckets older than `before`, as pruneRaw does samples. */
  pruneRollup(
    tier: RollupTier["name"],
    before: number,
    limit?: number,
  ): Promise<{ rows: number; partitions: number }>;
  /**
   * Gives space freed by pruning back to the file system, at most `maxPages`
   * pages a call (SQLite's incremental vacuum); 0 where the server does it.
   */
  reclaimSpace(maxPages: number): Promise<number>;
  /**
   * Folds stored batches into the rollup tiers (see sql/sqlite/0004_rollups.sql):
   * takes up to `limit` batches not yet rolled up, adds those older than
   * `horizon` to every tier, marks the 1 min buckets of the others dirty, and
   * recomputes up to `limit` dirty buckets per tier that are due (closed, or
   * waiting longer than the tier's refresh; every one with `force`). Says how
   * many batches and buckets it did; call again while either reaches `limit`.
   */
  rollUp(o: {
    now: number;
    horizon: number;
    force?: boolean;
    limit?: number;
    /** Only this host's batches and buckets. */
    hostId?: string;
  }): Promise<{ batches: number; buckets: number }>;
  /** Hosts with batches or buckets waiting for the rollup job. */
  rollupPendingHosts(): Promise<string[]>;
  /**
   * Removes a host's stored values that no metric can have, and the rollup
   * buckets they spoiled (marked to be recomputed from what is left); returns
   * the series that held them, as `metric` or `metric{label}`.
   */
  dropImpossible(hostId: string, now: number): Promise<string[]>;
  /** Leaves a host's waiting batches and buckets out of the rollups; returns the batches. */
  setAsideRollup(hostId: string): Promise<number>;
  /** The highest seq stored for the host, 0 when none. */
  lastSeq(hostId: string): Promise<number>;
  /** Stores the batch unless (host, seq) is already stored; says which. */
  writeBatch(hostId: string, batch: StoredBatch): Promise<{ inserted: boolean }>;
  latest(hostId: string): Promise<{ ts: number; data: Record<string, unknown> } | null>;
  /** The newest snapshot of every host that has one, by host id. */
  latestAll(): Promise<Map<string, Record<string, unknown>>>;
  /**
   * One series (metric + label) of each of `hostIds` over [from, to), read
   * from `tier` and merged into buckets of `stepMs` (a multiple of the tier's
   * width) aligned to the epoch. Buckets with no data are absent.
   */
  queryRange(q: RangeQuery): Promise<RangeRow[]>;
  /** Labels stored for a metric of a host (mounts, interfaces, cores…). */
  seriesLabels(hostId: string, metric: string): Promise<string[]>;

  createApiKey(k: { id: string; name: string; hash: string; createdAt: number }): Promise<void>;
  /** The live (not revoked) key with this hash, marking it used. */
  useApiKey(hash: string, now: number): Promise<{ id: string; name: string } | null>;
  listApiKeys(): Promise<ApiKey[]>;
  revokeApiKey(id: string, now: number): Promise<boolean>;

  countUsers(): Promise<number>;
  /** Adds a user; false when the name is taken. */
  createUser(
    u: { id: string; name: string; passwordHash: string; role: Role; createdAt: number },
  ): Promise<boolean>;
  findUserByName(name: string): Promise<UserWithHash | null>;
  getUser(id: string): Promise<UserWithHash | null>;
  listUsers(): Promise<User[]>;
  updateUser(id: string, change: { role?: Role; passwordHash?: string }): Promise<boolean>;
  deleteUser(id: string): Promise<boolean>;

  createSession(
    s: { hash: string; userId: string; createdAt: number; expiresAt: number },
  ): Promise<void>;
  /** The user a live session belongs to. */
  sessionUser(hash: string, now: number): Promise<User | null>;
  deleteSession(hash: string): Promise<void>;
  /** Ends a user's sessions, but for `exceptHash` (the one changing the password). */
  deleteUserSessions(userId: string, exceptHash?: string): Promise<void>;

  audit(
    e: { at: number; actor: string; action: string; target?: string; detail?: string },
  ): Promise<void>;
  listAudit(limit: number): Promise<AuditEntry[]>;

  getSetting(key: string): Promise<string | null>;
  /** Sets a setting; null removes it. */
  setSetting(key: string, value: string | null): Promise<void>;
}

/** A dashboard role: admins change things, viewers look. */
export type Role = "admin" | "viewer";

/** A dashboard user. */
export interface User {
  id: string;
  name: string;
  role: Role;
  created_at: string;
}

/** A user with the scrypt hash, for sign-in only. */
export interface UserWithHash extends User {
  password_hash: string;
}

/** An API key as listed (never the key itself). */
export interface ApiKey {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/** One audited mutation. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: string;
}
