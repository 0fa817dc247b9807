/** Metric samples as ingest writes them and charts read them, and each host's latest snapshot. */
import type { TierName } from "../tiers.ts";

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

/** A range read; see {@link MetricStore.queryRange}. */
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

export interface MetricStore {
  /** Stores the batch unless (host, seq) is already stored; says which. */
  writeBatch(hostId: string, batch: StoredBatch): Promise<{ inserted: boolean }>;
  /** The highest seq stored for the host, 0 when none. */
  lastSeq(hostId: string): Promise<number>;
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
  /** The hosts that have a series (metric + label): a check's agents, say. */
  seriesHosts(metric: string, label: string): Promise<string[]>;
  /** Drops what this connection cached about a host another connection removed. */
  forgetHost(id: string): void;
}
