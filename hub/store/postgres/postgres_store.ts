/**
 * The PostgreSQL store, through postgres.js: for fleets that outgrow the
 * embedded SQLite file. This file holds hosts and metrics; users and keys are
 * in auth_store.ts. Metric samples are range-partitioned by day; ingest
 * writes a whole batch with a handful of statements (unnest), never one round
 * trip per sample.
 */
import postgres from "postgres";
import { type Migration, readMigrations } from "../migrations.ts";
import type {
  Host,
  HostInfo,
  RangeQuery,
  RangeRow,
  RegisterOutcome,
  StatusUpdate,
  Store,
  StoredBatch,
} from "../store.ts";
import { PostgresAuthStore } from "./auth_store.ts";
import { Partitions } from "./partitions.ts";
import { toHost, toRangeRow } from "../rows.ts";
import { ROLLUPS, rollupTable, type RollupTier, TIME_TABLES } from "../tiers.ts";
import { compile, impossibleSql, type RollupRun, rollupRun, seriesName } from "../rollup_sql.ts";

/** Key of the advisory lock that lets one hub at a time roll up (and deletes wait for). */
export const ROLLUP_LOCK = 0x5167_6875;
/** Key of the advisory lock that serialises migrations across hubs. */
const MIGRATE_LOCK = 0x5167_6874;

/** 1-based line of a character offset in `text`, for migration errors. */
function lineOf(text: string, position: number): number {
  return text.slice(0, position).split("\n").length;
}

/** The PostgreSQL implementation of {@link Store}. */
export class PostgresStore extends PostgresAuthStore implements Store {
  #seriesIds = new Map<string, number>();
  #partitions: Partitions;

  constructor(url: string, options: { pool?: number } = {}) {
    super(postgres(url, {
      max: options.pool ?? 10,
      onnotice: () => {},
      connection: { application_name: "sightline" },
    }));
    this.#partitions = new Partitions(this.sql);
  }

  /** Applies pending migrations (those of sql/postgres, or `source` in tests). */
  async migrate(source?: Migration[]): Promise<string[]> {
    const migrations = source ?? await readMigrations("postgres");
    return await this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATE_LOCK})`;
      await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
      const done = new Set(
        (await tx`SELECT version FROM schema_migrations`).map((r) => Number(r.version)),
      );
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        try {
          // A savepoint per file: a failure leaves the schema as it was.
          await tx.savepoint(async (sp) => {
            await sp.unsafe(m.sql);
            await sp`INSERT INTO schema_migrations (version, name, applied_at)
              VALUES (${m.version}, ${m.name}, ${Date.now()})`;
          });
        } catch (err) {
          const e = err as { message: string; position?: string };
          const where = e.position ? ` (line ${lineOf(m.sql, Number(e.position))})` : "";
          throw new Error(`Cannot apply migration ${m.name}${where}: ${e.message}`);
        }
        applied.push(m.name);
      }
      return applied;
    }).then(async (applied) => {
      await this.ensurePartitions(Date.now());
      return applied as string[];
    });
  }

  /**
   * Creates the partitions of samples and the rollup tables around
   * [fromMs, toMs]; see {@link Partitions.ensure}.
   */
  ensurePartitions(fromMs: number, toMs = fromMs, only?: string): Promise<void> {
    return this.#partitions.ensure(fromMs, toMs, only);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }

  async createHostWithToken(t: {
    hostId: string;
    name: string | null;
    tokenHash: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<Host> {
    return await this.sql.begin(async (tx) => {
      const [h] = await tx`INSERT INTO hosts (id, name, created_at)
        VALUES (${t.hostId}, ${t.name ?? "new host"}, ${t.createdAt}) RETURNING *`;
      await tx`INSERT INTO registration_tokens (hash, name, created_at, expires_at, host_id, name_from_agent)
        VALUES (${t.tokenHash}, ${t.name}, ${t.createdAt}, ${t.expiresAt}, ${t.hostId}, ${
        t.name === null
      })`;
      return toHost(h);
    }) as Host;
  }

  async registerHost(
    tokenHash: string,
    agent: { fallbackName: string; now: number },
  ): Promise<RegisterOutcome> {
    return await this.sql.begin(async (tx): Promise<RegisterOutcome> => {
      const [t] = await tx`SELECT host_id, name_from_agent, expires_at, used_at
        FROM registration_tokens WHERE hash = ${tokenHash} FOR UPDATE`;
      if (!t) return { ok: false, reason: "unknown" };
      if (t.used_at !== null) return { ok: false, reason: "used" };
      if (Number(t.expires_at) <= agent.now) return { ok: false, reason: "expired" };
      if (t.host_id === null) return { ok: false, reason: "unknown" };
      await tx`UPDATE registration_tokens SET used_at = ${agent.now} WHERE hash = ${tokenHash}`;
      const [h] =
        await tx`UPDATE hosts SET registered_at = ${agent.now}, key_generation = key_generation + 1,
        name = CASE WHEN ${t.name_from_agent} THEN ${agent.fallbackName} ELSE name END
        WHERE id = ${t.host_id} RETURNING *`;
      return { ok: true, host: toHost(h), keyGeneration: Number(h.key_generation) };
    }) as RegisterOutcome;
  }

  async setHostTags(id: string, tags: string[]): Promise<boolean> {
    return (await this.sql`UPDATE hosts SET tags = ${this.sql.json(tags)} WHERE id = ${id}`).count >
      0;
  }

  async deleteHost(id: string): Promise<boolean> {
    const res = await this.sql.begin(async (tx) => {
      // A rollup run in flight may be writing this host's buckets, and with no
      // foreign key nothing would remove them after: wait for it to commit.
      await tx`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK})`;
      // The time tables have no foreign key (it would slow every write).
      for (const table of TIME_TABLES) {
        await tx`DELETE FROM ${tx(table)}
          WHERE series_id IN (SELECT id FROM series WHERE host_id = ${id})`;
      }
      return await tx`DELETE FROM hosts WHERE id = ${id}`;
    });
    this.forgetHost(id);
    return res.count > 0;
  }

  forgetHost(id: string): void {
    for (const key of this.#seriesIds.keys()) {
      if (key.startsWith(`${id}\0`)) this.#seriesIds.delete(key);
    }
  }

  async listHosts(): Promise<Host[]> {
    return (await this.sql`SELECT h.*, l.ts AS latest_ts FROM hosts h
      LEFT JOIN host_latest l ON l.host_id = h.id ORDER BY h.name, h.id`).map(toHost);
  }

  async getHost(id: string): Promise<Host | null> {
    const [r] = await this.sql`SELECT h.*, l.ts AS latest_ts FROM hosts h
      LEFT JOIN host_latest l ON l.host_id = h.id WHERE h.id = ${id}`;
    return r ? toHost(r) : null;
  }

  async keyGeneration(id: string): Promise<number | null> {
    const [r] = await this
      .sql`SELECT key_generation FROM hosts WHERE id = ${id} AND registered_at IS NOT NULL`;
    return r ? Number(r.key_generation) : null;
  }

  async updateHostInfo(id: string, info: HostInfo, now: number): Promise<void> {
    await this
      .sql`UPDATE hosts SET hostname = ${info.hostname}, os = ${info.os}, arch = ${info.arch},
      kernel = ${info.kernel}, agent_version = ${info.agent_version}, environment = ${info.environment},
      ips = ${this.sql.json(info.ips)}, interval_s = ${info.interval_s},
      dropped_batches = ${info.dropped_batches}, last_seen = ${now} WHERE id = ${id}`;
  }

  async syncStatus(updates: StatusUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.sql`UPDATE hosts SET status = u.status, dropped_batches = u.dropped,
        last_seen = GREATEST(COALESCE(hosts.last_seen, 0), COALESCE(u.seen, 0))
      FROM unnest(${updates.map((u) => u.id)}::text[], ${updates.map((u) => u.status)}::text[],
        ${updates.map((u) => u.lastSeenMs)}::bigint[], ${
      updates.map((u) => u.droppedBatches)
    }::bigint[])
        AS u(id, status, seen, dropped)
      WHERE hosts.id = u.id`;
  }

  async batchSeqs(hostId: string): Promise<number[]> {
    return (await this.sql`SELECT seq FROM batches WHERE host_id = ${hostId} ORDER BY id`).map((
      r,
    ) => Number(r.seq));
  }

  async rememberNonce(nonce: string, expiresAt: number, now: number): Promise<boolean> {
    await this.sql`DELETE FROM stream_nonces WHERE expires_at < ${now}`;
    const res = await this
      .sql`INSERT INTO stream_nonces (nonce, expires_at) VALUES (${nonce}, ${expiresAt})
      ON CONFLICT DO NOTHING`;
    return res.count > 0;
  }

  async pruneRaw(
    before: number,
    limit = 50_000,
  ): Promise<{ samples: number; partitions: number; batches: number }> {
    // Whole days go by dropping their partition: no slow DELETE on the hot table.
    const { rows: samples, partitions } = await this.#partitions.prune(
      "samples",
      "ts",
      before,
      limit,
    );
    const batches = (await this
      .sql`DELETE FROM batches WHERE id IN (SELECT b.id FROM batches b WHERE b.ts < ${before}
      AND b.rolled_up AND b.seq < (SELECT MAX(seq) FROM batches m WHERE m.host_id = b.host_id) LIMIT ${limit})`)
      .count;
    return { samples, partitions, batches };
  }

  async pruneRollup(
    tier: RollupTier["name"],
    before: number,
    limit = 50_000,
  ): Promise<{ rows: number; partitions: number }> {
    return await this.#partitions.prune(rollupTable(tier), "bucket", before, limit);
  }

  /** Autovacuum gives freed space back; nothing to do here. */
  reclaimSpace(_maxPages: number): Promise<number> {
    return Promise.resolve(0);
  }

  async rollUp(o: RollupRun): Promise<{ batches: number; buckets: number }> {
    return await this.sql.begin(async (tx) => {
      // One hub at a time does it; the others find the lock taken and skip the run.
      const [{ locked }] = await tx`SELECT pg_try_advisory_xact_lock(${ROLLUP_LOCK}) AS locked`;
      if (!locked) return { batches: 0, buckets: 0 };
      await tx`CREATE TEMP TABLE rollup_take
        (id BIGINT PRIMARY KEY, host_id TEXT NOT NULL, ts BIGINT NOT NULL) ON COMMIT DROP`;
      await tx`CREATE TEMP TABLE rollup_due
        (host_id TEXT NOT NULL, bucket BIGINT NOT NULL, since BIGINT NOT NULL,
          PRIMARY KEY (host_id, bucket)) ON COMMIT DROP`;
      const run = rollupRun("postgres", o);
      let step = run.next(0);
      while (!step.done) {
        const [text, values] = step.value;
        step = run.next((await tx.unsafe(text, values as postgres.ParameterOrJSON<never>[])).count);
      }
      return step.value;
    }) as { batches: number; buckets: number };
  }

  async rollupPendingHosts(): Promise<string[]> {
    const rows = await this.sql.unsafe(impossibleSql("postgres").pendingHosts);
    return rows.map((r) => String(r.host_id));
  }

  async dropImpossible(hostId: string, now: number): Promise<string[]> {
    const sql = impossibleSql("postgres");
    return await this.sql.begin(async (tx) => {
      // Waits for another hub's rollup run rather than racing it.
      await tx`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK})`;
      const run = (text: string) => {
        const [t, v] = compile("postgres", text, { host: hostId, now });
        return tx.unsafe(t, v as postgres.ParameterOrJSON<never>[]);
      };
      const series = (await run(sql.series)).map((r) =>
        seriesName(String(r.metric), String(r.label))
      );
      for (const tier of ROLLUPS) {
        await run(sql.markSpoiled(tier));
        await run(sql.dropSpoiled(tier));
      }
      await run(sql.markSamples);
      await run(sql.dropSamples);
      return series.sort();
    }) as string[];
  }

  async setAsideRollup(hostId: string): Promise<number> {
    const [mark, forget] = impossibleSql("postgres").setAside;
    return await this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK})`;
      const r = await tx.unsafe(compile("postgres", mark, { host: hostId })[0], [hostId]);
      await tx.unsafe(compile("postgres", forget, { host: hostId })[0], [hostId]);
      return r.count;
    }) as number;
  }

  async lastSeq(hostId: string): Promise<number> {
    const [r] = await this.sql`SELECT MAX(seq) AS seq FROM batches WHERE host_id = ${hostId}`;
    return Number(r?.seq ?? 0);
  }

  async writeBatch(hostId: string, batch: StoredBatch): Promise<{ inserted: boolean }> {
    if (this.#partitions.mayLack(batch.ts)) await this.ensurePartitions(batch.ts);
    const points = batch.points.filter((p) => Number.isFinite(p.value));
    const key = (p: { metric: string; label: string }) => `${hostId}\0${p.metric}\0${p.label}`;
    const missing = points.filter((p) => !this.#seriesIds.has(key(p)));
    if (missing.length) {
      // Only the first batch of a series gets here; a batch later refused as a
      // duplicate leaves series rows it would have needed anyway.
      const rows = await this.sql`INSERT INTO series (host_id, metric, label)
        SELECT ${hostId}, m, l FROM unnest(${missing.map((p) => p.metric)}::text[],
          ${missing.map((p) => p.label)}::text[]) AS x(m, l)
        ON CONFLICT (host_id, metric, label) DO UPDATE SET label = EXCLUDED.label
        RETURNING id, metric, label`;
      for (const r of rows) {
        this.#seriesIds.set(key({ metric: r.metric, label: r.label }), Number(r.id));
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
      points.map((p) => this.#seriesIds.get(key(p))!)
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
}
