/**
 * Metrics in PostgreSQL: ingest writes a whole batch with a handful of
 * statements (unnest), never one round trip per sample, into day partitions
 * made ahead of the data.
 */
import type postgres from "postgres";
import type { Partitions } from "../postgres/partitions.ts";
import { rollupTable } from "../tiers.ts";
import { SeriesIds } from "./series_ids.ts";
import { toRangeRow } from "./shared.ts";
import type { MetricStore, RangeQuery, RangeRow, StoredBatch } from "./types.ts";

/** {@link MetricStore} in PostgreSQL. */
export class PostgresMetricStore implements MetricStore {
  constructor(
    private readonly sql: postgres.Sql,
    private readonly partitions: Partitions,
    private readonly seriesIds: SeriesIds,
  ) {}

  forgetHost(id: string): void {
    this.seriesIds.forgetHost(id);
  }

  async lastSeq(hostId: string): Promise<number> {
    const [r] = await this.sql`SELECT MAX(seq) AS seq FROM batches WHERE host_id = ${hostId}`;
    return Number(r?.seq ?? 0);
  }

  async writeBatch(hostId: string, batch: StoredBatch): Promise<{ inserted: boolean }> {
    if (this.partitions.mayLack(batch.ts)) await this.partitions.ensure(batch.ts);
    const points = batch.points.filter((p) => Number.isFinite(p.value));
    const key = (p: { metric: string; label: string }) => SeriesIds.key(hostId, p.metric, p.label);
    const missing = points.filter((p) => !this.seriesIds.has(key(p)));
    if (missing.length) {
      // Only the first batch of a series gets here; a batch later refused as a
      // duplicate leaves series rows it would have needed anyway.
      const rows = await this.sql`INSERT INTO series (host_id, metric, label)
        SELECT ${hostId}, m, l FROM unnest(${missing.map((p) => p.metric)}::text[],
          ${missing.map((p) => p.label)}::text[]) AS x(m, l)
        ON CONFLICT (host_id, metric, label) DO UPDATE SET label = EXCLUDED.label
        RETURNING id, metric, label`;
      for (const r of rows) {
        this.seriesIds.set(key({ metric: r.metric, label: r.label }), Number(r.id));
      }
    }
    // One statement, so one round trip and atomic without BEGIN/COMMIT: the
    // samples and the snapshot are written only if the batch is new.
    const [r] = await this.sql`
      WITH b AS (
        INSERT INTO batches (host_id, seq, ts, received_at)
        VALUES (${hostId}, ${batch.seq}, ${batch.ts}, ${Date.now()})
        ON CONFLICT (host_id, seq) DO NOTHING RETURNING id
      ), s AS (
        INSERT INTO samples (series_id, ts, value)
        SELECT x.s, ${batch.ts}, x.v FROM unnest(${
      points.map((p) => this.seriesIds.get(key(p))!)
    }::bigint[],
          ${points.map((p) => p.value)}::float8[]) AS x(s, v)
        WHERE EXISTS (SELECT 1 FROM b)
        ON CONFLICT (series_id, ts) DO NOTHING
      ), l AS (
        INSERT INTO host_latest (host_id, ts, data)
        SELECT ${hostId}, ${batch.ts}, ${this.sql.json(batch.latest as postgres.JSONValue)}
        WHERE EXISTS (SELECT 1 FROM b)
        ON CONFLICT (host_id) DO UPDATE SET ts = EXCLUDED.ts, data = EXCLUDED.data
        WHERE EXCLUDED.ts >= host_latest.ts
      )
      SELECT COUNT(*) AS n FROM b`;
    return { inserted: Number(r.n) > 0 };
  }

  async latest(hostId: string): Promise<{ ts: number; data: Record<string, unknown> } | null> {
    const [r] = await this.sql`SELECT ts, data FROM host_latest WHERE host_id = ${hostId}`;
    return r ? { ts: Number(r.ts), data: r.data as Record<string, unknown> } : null;
  }

  async latestAll(): Promise<Map<string, Record<string, unknown>>> {
    const rows = await this.sql`SELECT host_id, data FROM host_latest`;
    return new Map(rows.map((r) => [String(r.host_id), r.data as Record<string, unknown>]));
  }

  async queryRange(q: RangeQuery): Promise<RangeRow[]> {
    const step = q.stepMs;
    const rows = q.tier === "raw"
      ? await this.sql`SELECT r.host_id, s.ts - s.ts % ${step}::bigint AS t, COUNT(*) AS n,
          AVG(s.value) AS avg, MIN(s.value) AS min, MAX(s.value) AS max
        FROM series r JOIN samples s ON s.series_id = r.id
        WHERE r.host_id = ANY(${q.hostIds}::text[]) AND r.metric = ${q.metric}
          AND r.label = ${q.label} AND s.ts >= ${q.from} AND s.ts < ${q.to}
        GROUP BY r.host_id, t ORDER BY r.host_id, t`
      : await this.sql`SELECT r.host_id, x.bucket - x.bucket % ${step}::bigint AS t,
          SUM(x.n) AS n, SUM(x.sum) / SUM(x.n) AS avg, MIN(x.min) AS min, MAX(x.max) AS max
        FROM series r JOIN ${this.sql(rollupTable(q.tier))} x ON x.series_id = r.id
        WHERE r.host_id = ANY(${q.hostIds}::text[]) AND r.metric = ${q.metric}
          AND r.label = ${q.label} AND x.bucket >= ${q.from} AND x.bucket < ${q.to}
        GROUP BY r.host_id, t ORDER BY r.host_id, t`;
    return rows.map(toRangeRow);
  }

  async seriesLabels(hostId: string, metric: string): Promise<string[]> {
    const rows = await this
      .sql`SELECT label FROM series WHERE host_id = ${hostId} AND metric = ${metric}
      ORDER BY label COLLATE "C"`;
    return rows.map((r) => String(r.label));
  }

  async seriesHosts(metric: string, label: string): Promise<string[]> {
    const rows = await this.sql`SELECT host_id FROM series
      WHERE metric = ${metric} AND label = ${label} ORDER BY host_id`;
    return rows.map((r) => String(r.host_id));
  }
}
