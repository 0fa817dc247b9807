/**
 * Packages' store: each host's inventory now, every change with its time,
 * and the full inventory (by batch seq) its deltas build on. A batch is
 * written once on (host, seq), through the `batches` table in the same
 * transaction, like every kind an agent sends through its WAL.
 */

/** A package as a host has it, keyed by (manager, name, arch). */
export interface InstalledPackage {
  manager: string;
  name: string;
  /** "" where the manager has no architectures (pip). */
  arch: string;
  version: string;
  /** The newer candidate the manager knows of, or "". */
  update_version: string;
  security: boolean;
}

export type PackageKey = Pick<InstalledPackage, "manager" | "name" | "arch">;

/** A PackageBatch as ingest checked it (hub/ingest/packages.ts). */
export interface StoredPackageBatch {
  seq: number;
  ts: number;
  full: boolean;
  /** The seq of the full batch a delta builds on (a full batch: its own). */
  baselineSeq: number;
  managers: string[];
  upsert: InstalledPackage[];
  removed: PackageKey[];
  /** How many packages the host has after this batch, as the agent counts them. */
  total: number;
  /** Managers that could not be read this time: their packages stay as they were. */
  errors: Array<{ manager: string; message: string }>;
  /** One of the batches a full inventory was cut into: nothing in it is a change. */
  partOfFull: boolean;
}

export type ChangeKind = "added" | "removed" | "upgraded" | "downgraded";

/** One package's change. */
export interface PackageChange {
  kind: ChangeKind;
  manager: string;
  name: string;
  arch: string;
  from: string | null;
  to: string | null;
}

/** What writing a batch did. */
export type WriteOutcome =
  /** Stored; `changes` is how many packages changed; `resync` when the totals disagree. */
  | { status: "applied"; changes: number; resync: boolean }
  /** This (host, seq) was stored before: nothing written. */
  | { status: "replay" }
  /** A delta on a baseline the hub does not hold: recorded as seen, nothing else applied. */
  | { status: "no_baseline"; held: number | null };

/** One entry of a host's "what changed" timeline: the changes of one batch. */
export interface ChangeEntry {
  ts: number;
  kind: "package";
  summary: string;
  /** A record like every kind's details (hub/store/changes), the batch's changes in it. */
  details: { packages: PackageChange[] };
}

/** A row of a fleet search, before the version comparison (made in JS, per ecosystem). */
export interface PackageHit {
  host: { id: string; name: string };
  manager: string;
  name: string;
  version: string;
  update_version: string;
}

/** What a host's package inventory is built on. */
export interface PackageBaseline {
  baseline_seq: number;
  last_seq: number;
  updated_at: number;
  managers: string[];
  errors: Array<{ manager: string; message: string }>;
}

export interface PackageStore {
  /**
   * Stores a batch once on (host, seq). A full batch replaces the inventory
   * of its managers (those it could not read stay as they were); a delta
   * applies only on the baseline it names.
   */
  writeBatch(hostId: string, batch: StoredPackageBatch, receivedAt: number): Promise<WriteOutcome>;
  /** The host's packages, by manager, name and arch. */
  list(hostId: string): Promise<InstalledPackage[]>;
  baseline(hostId: string): Promise<PackageBaseline | null>;
  /**
   * The fleet's rows of packages whose name holds `name` (case-insensitive),
   * of one manager when given; at most `limit` rows.
   */
  search(q: { name: string; manager?: string; limit: number }): Promise<PackageHit[]>;
  /** The rows of every package some host has an update pending for, at most `limit`. */
  pending(limit: number): Promise<PackageHit[]>;
  /**
   * The host's package changes in [from, to), one entry per batch, oldest
   * first; with `limit`, the newest `limit` entries.
   */
  changes(hostId: string, from: number, to: number, limit?: number): Promise<ChangeEntry[]>;
  /**
   * Drops up to `limit` logged changes from before `before` (retention);
   * returns how many went. The inventory itself is never pruned.
   */
  pruneChanges(before: number, limit: number): Promise<number>;
}
