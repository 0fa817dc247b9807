/** Each host's containers as its agent last listed them, and the engine's events. */

/** One container as the agent reported it, checked by ingest (hub/ingest/convert.ts). */
export interface ContainerInput {
  id: string;
  name: string;
  image: string;
  state: string;
  health: string;
  restarts: number;
  /** Null while it does not run, or before its second reading. */
  cpu_percent: number | null;
  mem_bytes: number | null;
  /** Unix ms; null when unknown (never started). */
  created_at: number | null;
  started_at: number | null;
}

/** One event of the engine's stream. */
export interface ContainerEventInput {
  ts: number;
  container_id: string;
  name: string;
  image: string;
  /** start, stop, die, oom or health_status. */
  action: string;
  exit_code: number;
  health: string;
}

/** What one batch carries about containers. */
export interface ContainerReport {
  seq: number;
  ts: number;
  /** Whether `containers` is the host's whole list; false: keep what is held. */
  listed: boolean;
  engine: string;
  containers: ContainerInput[];
  events: ContainerEventInput[];
}

/** A container as the store holds it. */
export interface ContainerRow extends ContainerInput {
  host_id: string;
  first_seen: number;
  last_seen: number;
  /** When a list first lacked it; null while listed. */
  gone_at: number | null;
}

/** A container of the fleet, with its host. */
export interface FleetContainerRow extends ContainerRow {
  host: { id: string; name: string | null };
}

/** An event on a host's timeline (the shape `hub/store/changes/` gathers). */
export interface TimelineEntry {
  ts: number;
  kind: "container";
  summary: string;
  details: Record<string, unknown>;
}

export interface ContainerStore {
  /**
   * Stores a batch's containers. Events are kept once per (host, seq, place);
   * the list replaces the host's inventory only when its seq is past the
   * newest list stored (a replay or an older batch changes nothing), and a
   * container it lacks is marked gone. Ingest calls this before it writes the
   * batch's row, so a failure between leaves the agent resending a batch both
   * writes take once.
   */
  record(hostId: string, report: ContainerReport): Promise<void>;
  /** The host's containers the engine lists now, by name. */
  list(hostId: string): Promise<ContainerRow[]>;
  /**
   * The fleet's containers listed now, the first `limit` by name (1000; at
   * most 5000), and how many match in all; `query` matches a part of the name
   * or image (any case), `state` one state.
   */
  fleet(
    filter: { query?: string; state?: string; limit?: number },
  ): Promise<{ containers: FleetContainerRow[]; total: number }>;
  /**
   * The host's container events in [from, to), oldest first; when there are
   * more than `limit`, the newest `limit` (a change source, hub/changes/sources.ts).
   */
  events(hostId: string, from: number, to: number, limit?: number): Promise<TimelineEntry[]>;
  /**
   * Drops events and gone containers from before `before` (retention, with the
   * oldest metric tier kept); returns how many rows went.
   */
  prune(before: number): Promise<number>;
  /** The engine a host's last list came from ("" none), and that list's time; null: never listed. */
  engine(hostId: string): Promise<{ engine: string; ts: number } | null>;
}
