/**
 * Log lines the agents ship, the sources they read them through, and the
 * index that searches them: FTS5 with the trigram tokenizer in SQLite, a
 * pg_trgm GIN index in PostgreSQL, so a search for any substring of three
 * characters or more is an index lookup, never a scan. Lines are stored
 * once per batch (host, seq) through the `batches` table, like metrics;
 * search is newest first and keyset-paginated (a cursor, never OFFSET).
 */
import type { AuditRecord } from "../audit/types.ts";

/** Which hosts a source applies to. */
export type LogScope = { all: true } | { tag: string } | { hosts: string[] };

/** A log source as the hub keeps it and pushes it (desired item `log_source:<id>`). */
export interface LogSourceRow {
  id: string;
  type: "file" | "journal";
  /** file: an absolute path or glob. */
  path: string;
  /** journal: only these units (none: all). */
  units: string[];
  scope: LogScope;
  created_at: number;
}

/** A source's last refusal or failure on one host, as its agent told it. */
export interface LogSourceError {
  host_id: string;
  source_id: string;
  message: string;
  ts: number;
}

/** One line as stored and searched. */
export interface StoredLogLine {
  ts: number;
  source_id: string;
  /** The file it came from, or "journal". */
  origin: string;
  level: string;
  message: string;
}

/** A batch of lines as ingest writes it. */
export interface StoredLogBatch {
  seq: number;
  ts: number;
  lines: StoredLogLine[];
  /** Lines the agent's rate limit dropped before this batch. */
  dropped: number;
  errors: Array<{ source_id: string; message: string }>;
}

/** One line found. */
export interface LogLineRow extends StoredLogLine {
  id: string;
  host_id: string;
}

/** A search: every field optional; newest first. */
export interface LogQuery {
  /** A substring the message holds (case-insensitive). */
  text?: string;
  hostIds?: string[];
  sourceId?: string;
  levels?: string[];
  /** from <= ts < to. */
  from?: number;
  to?: number;
  limit: number;
  /** From a previous page's `next`: lines older than its last. */
  cursor?: { ts: number; id: number };
}

/** A page of lines, and where the next one starts (null: none). */
export interface LogPage {
  lines: LogLineRow[];
  next: { ts: number; id: number } | null;
}

/** Retention of lines: by age and by the bytes of what is kept. */
export interface LogRetention {
  /** Lines with ts before this go. */
  before: number;
  /** Oldest days go until the lines kept are at most this many bytes (message + origin). */
  maxBytes: number;
}

export interface LogStore {
  /** Stores a batch once on (host, seq): a replay writes nothing and says so. */
  writeBatch(hostId: string, batch: StoredLogBatch, now: number): Promise<{ inserted: boolean }>;
  search(q: LogQuery): Promise<LogPage>;
  /**
   * The lines around a line: up to `n` before and after it from the same
   * host and file, oldest first; null when the line is gone.
   */
  context(id: string, n: number): Promise<{ before: LogLineRow[]; after: LogLineRow[] } | null>;
  /** Deletes (or drops partitions of) lines past retention; returns how many days went. */
  prune(r: LogRetention): Promise<{ days: number }>;
  /** Lines and bytes kept, for the pages and the bench. */
  stats(): Promise<{ lines: number; bytes: number; dropped: number }>;

  createSource(source: LogSourceRow, audit?: AuditRecord): Promise<void>;
  listSources(): Promise<LogSourceRow[]>;
  /** Removes a source; false when there was none. Its lines stay until retention. */
  deleteSource(id: string, audit?: AuditRecord): Promise<boolean>;
  /** Each source's last error per host, newest first. */
  sourceErrors(): Promise<LogSourceError[]>;
}
