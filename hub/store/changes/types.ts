/**
 * What changed on each host, as the hub saw it happen: reboots, kernel and OS
 * changes, agent upgrades and restarts (hub/ingest/changes.ts detects them).
 * Kinds are open: a capability that notices another kind of change on a
 * host (containers) records it here under its own kind. Every write is
 * idempotent on (host, key), so a replayed batch, a reconnect storm or two
 * hubs seeing the same Hello record a change once.
 */

/** One change on a host. */
export interface HostChange {
  /** When it happened, Unix ms (a reboot: when the host booted). */
  ts: number;
  /** "reboot", "kernel", "os", "agent_version", "agent_restart", …: open. */
  kind: string;
  /** One line for people: "Kernel 6.1.0-18 → 6.1.0-21". */
  summary: string;
  /** What the summary says, as values (before, after, …). */
  details: Record<string, unknown>;
}

/** A change to record, with what makes it the same change when seen again. */
export interface NewHostChange extends HostChange {
  key: string;
}

/** A read of one host's changes. */
export interface ChangeRange {
  /** Changes with from <= ts < to. */
  from: number;
  to: number;
  /** At most this many, the newest of the range when there are more. */
  limit: number;
}

export interface ChangeStore {
  /**
   * Records the changes not recorded before (by host and key) and returns
   * those; a host that no longer exists records nothing.
   */
  record(hostId: string, changes: NewHostChange[], now: number): Promise<HostChange[]>;
  /** The host's changes in the range, oldest first. */
  list(hostId: string, range: ChangeRange): Promise<HostChange[]>;
}
