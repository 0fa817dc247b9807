/**
 * The embedded store: one SQLite file in WAL mode through `node:sqlite`.
 * Several processes' workers may open it at once (ingest writes, the main
 * thread reads, the heartbeat worker syncs status); busy_timeout serialises
 * their writes.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { readMigrations } from "../migrations.ts";
import type {
  Host,
  HostInfo,
  Point,
  RegisterOutcome,
  StatusUpdate,
  Store,
  StoredBatch,
} from "../store.ts";

type Row = Record<string, SQLInputValue>;

/** Rows per multi-row INSERT: 3 parameters each, well under SQLite's limit. */
const SAMPLE_CHUNK = 300;

function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
}

function toHost(r: Row): Host {
  return {
    id: String(r.id),
    name: String(r.name),
    status: r.status === "online" ? "online" : "offline",
    last_seen: iso(r.last_seen as number | null),
    created_at: iso(r.created_at as number)!,
    hostname: String(r.hostname),
    os: String(r.os),
    arch: String(r.arch),
    kernel: String(r.kernel),
    agent_version: String(r.agent_version),
    environment: String(r.environment),
    ips: JSON.parse(String(r.ips)),
    interval_s: Number(r.interval_s),
    dropped_batches: Number(r.dropped_batches),
  };
}

/** The SQLite implementation of {@link Store}. */
export class SqliteStore implements Store {
  readonly db: DatabaseSync;
  #stmts = new Map<string, StatementSync>();
  #seriesIds = new Map<string, number>();

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 10000;
      PRAGMA foreign_keys = ON;
    `);
  }

  #q(sql: string): StatementSync {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  #tx<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.db.exec("COMMIT");
      return out;
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
  }

  migrate(): Promise<string[]> {
    return readMigrations("sqlite").then((migrations) => {
      this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
      const done = new Set(
        this.db.prepare("SELECT version FROM schema_migrations").all().map((r) =>
          Number(r.version)
        ),
      );
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        try {
          this.#tx(() => {
            this.db.exec(m.sql);
            this.#q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
              .run(m.version, m.name, Date.now());
          });
        } catch (err) {
          throw new Error(`Cannot apply migration ${m.name}: ${(err as Error).message}`);
        }
        applied.push(m.name);
      }
      return applied;
    });
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }

  createRegistrationToken(
    t: { hash: string; name: string | null; createdAt: number; expiresAt: number },
  ): Promise<void> {
    this.#q(
      "INSERT INTO registration_tokens (hash, name, created_at, expires_at) VALUES (?, ?, ?, ?)",
    ).run(t.hash, t.name, t.createdAt, t.expiresAt);
    return Promise.resolve();
  }

  registerHost(
    tokenHash: string,
    host: { id: string; fallbackName: string; now: number },
  ): Promise<RegisterOutcome> {
    return Promise.resolve(this.#tx((): RegisterOutcome => {
      const t = this.#q("SELECT name, expires_at, used_at FROM registration_tokens WHERE hash = ?")
        .get(tokenHash);
      if (!t) return { ok: false, reason: "unknown" };
      if (t.used_at !== null) return { ok: false, reason: "used" };
      if (Number(t.expires_at) <= host.now) return { ok: false, reason: "expired" };
      const name = (t.name as string | null) || host.fallbackName;
      this.#q("INSERT INTO hosts (id, name, created_at) VALUES (?, ?, ?)")
        .run(host.id, name, host.now);
      this.#q("UPDATE registration_tokens SET used_at = ?, host_id = ? WHERE hash = ?")
        .run(host.now, host.id, tokenHash);
      const row = this.#q("SELECT * FROM hosts WHERE id = ?").get(host.id)!;
      return { ok: true, host: toHost(row), keyGeneration: Number(row.key_generation) };
    }));
  }

  listHosts(): Promise<Host[]> {
    return Promise.resolve(this.#q("SELECT * FROM hosts ORDER BY name, id").all().map(toHost));
  }

  getHost(id: string): Promise<Host | null> {
    const row = this.#q("SELECT * FROM hosts WHERE id = ?").get(id);
    return Promise.resolve(row ? toHost(row) : null);
  }

  keyGeneration(id: string): Promise<number | null> {
    const row = this.#q("SELECT key_generation FROM hosts WHERE id = ?").get(id);
    return Promise.resolve(row ? Number(row.key_generation) : null);
  }

  updateHostInfo(id: string, info: HostInfo, now: number): Promise<void> {
    this.#q(`UPDATE hosts SET hostname = ?, os = ?, arch = ?, kernel = ?, agent_version = ?,
      environment = ?, ips = ?, interval_s = ?, dropped_batches = ?, last_seen = ? WHERE id = ?`)
      .run(
        info.hostname,
        info.os,
        info.arch,
        info.kernel,
        info.agent_version,
        info.environment,
        JSON.stringify(info.ips),
        info.interval_s,
        info.dropped_batches,
        now,
        id,
      );
    return Promise.resolve();
  }

  syncStatus(updates: StatusUpdate[]): Promise<void> {
    if (updates.length === 0) return Promise.resolve();
    const stmt = this.#q(`UPDATE hosts SET status = ?, dropped_batches = ?,
      last_seen = MAX(COALESCE(last_seen, 0), COALESCE(?, 0)) WHERE id = ?`);
    this.#tx(() => {
      for (const u of updates) stmt.run(u.status, u.droppedBatches, u.lastSeenMs, u.id);
    });
    return Promise.resolve();
  }

  lastSeq(hostId: string): Promise<number> {
    const row = this.#q("SELECT MAX(seq) AS seq FROM batches WHERE host_id = ?").get(hostId);
    return Promise.resolve(Number(row?.seq ?? 0));
  }

  #seriesId(hostId: string, p: Point): number {
    const key = `${hostId}\0${p.metric}\0${p.label}`;
    let id = this.#seriesIds.get(key);
    if (id === undefined) {
      const row = this.#q(`INSERT INTO series (host_id, metric, label) VALUES (?, ?, ?)
        ON CONFLICT (host_id, metric, label) DO UPDATE SET label = excluded.label RETURNING id`)
        .get(hostId, p.metric, p.label)!;
      id = Number(row.id);
      this.#seriesIds.set(key, id);
    }
    return id;
  }

  writeBatch(hostId: string, batch: StoredBatch): Promise<{ inserted: boolean }> {
    try {
      return Promise.resolve(this.#writeBatch(hostId, batch));
    } catch (err) {
      // A failed transaction may have rolled back series rows we cached.
      this.#seriesIds.clear();
      return Promise.reject(err);
    }
  }

  #writeBatch(hostId: string, batch: StoredBatch): { inserted: boolean } {
    return this.#tx(() => {
      const res = this.#q(`INSERT INTO batches (host_id, seq, ts, received_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (host_id, seq) DO NOTHING`).run(hostId, batch.seq, batch.ts, Date.now());
      if (Number(res.changes) === 0) return { inserted: false };
      const rows = batch.points.filter((p) => Number.isFinite(p.value));
      for (let i = 0; i < rows.length; i += SAMPLE_CHUNK) {
        const chunk = rows.slice(i, i + SAMPLE_CHUNK);
        const args: SQLInputValue[] = [];
        for (const p of chunk) args.push(this.#seriesId(hostId, p), batch.ts, p.value);
        this.#q(
          `INSERT INTO samples (series_id, ts, value) VALUES ${
            Array(chunk.length).fill("(?, ?, ?)").join(", ")
          } ON CONFLICT (series_id, ts) DO NOTHING`,
        ).run(...args);
      }
      this.#q(`INSERT INTO host_latest (host_id, ts, data) VALUES (?, ?, ?)
        ON CONFLICT (host_id) DO UPDATE SET ts = excluded.ts, data = excluded.data
        WHERE excluded.ts >= host_latest.ts`).run(hostId, batch.ts, JSON.stringify(batch.latest));
      this.#q("UPDATE hosts SET last_seen = MAX(COALESCE(last_seen, 0), ?) WHERE id = ?")
        .run(batch.ts, hostId);
      return { inserted: true };
    });
  }

  latest(hostId: string): Promise<{ ts: number; data: Record<string, unknown> } | null> {
    const row = this.#q("SELECT ts, data FROM host_latest WHERE host_id = ?").get(hostId);
    return Promise.resolve(
      row ? { ts: Number(row.ts), data: JSON.parse(String(row.data)) } : null,
    );
  }

  queryRange(
    hostId: string,
    metric: string,
    label: string,
    fromMs: number,
    toMs: number,
    stepMs: number,
  ): Promise<Array<[number, number]>> {
    const rows = this.#q(`SELECT s.ts - s.ts % ? AS bucket, AVG(s.value) AS value
      FROM samples s JOIN series r ON r.id = s.series_id
      WHERE r.host_id = ? AND r.metric = ? AND r.label = ? AND s.ts >= ? AND s.ts < ?
      GROUP BY bucket ORDER BY bucket`)
      .all(stepMs, hostId, metric, label, fromMs, toMs);
    return Promise.resolve(rows.map((r) => [Number(r.bucket), Number(r.value)]));
  }

  seriesLabels(hostId: string, metric: string): Promise<string[]> {
    return Promise.resolve(
      this.#q("SELECT label FROM series WHERE host_id = ? AND metric = ? ORDER BY label")
        .all(hostId, metric).map((r) => String(r.label)),
    );
  }

  createApiKey(k: { id: string; name: string; hash: string; createdAt: number }): Promise<void> {
    this.#q("INSERT INTO api_keys (id, name, hash, created_at) VALUES (?, ?, ?, ?)")
      .run(k.id, k.name, k.hash, k.createdAt);
    return Promise.resolve();
  }

  useApiKey(hash: string, now: number): Promise<{ id: string; name: string } | null> {
    const row = this.#q(
      "SELECT id, name, last_used_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL",
    ).get(hash);
    if (!row) return Promise.resolve(null);
    // A write per request would contend with ingest; a minute's precision is plenty.
    if (now - Number(row.last_used_at ?? 0) > 60_000) {
      this.#q("UPDATE api_keys SET last_used_at = ? WHERE id = ?").run(now, row.id);
    }
    return Promise.resolve({ id: String(row.id), name: String(row.name) });
  }
}
