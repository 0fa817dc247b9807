/** Containers on either dialect: the SQL agrees. */
import { count, type Db, first, type Row, rows } from "../sql.ts";
import { containerEventDetails, containerEventSummary } from "../../../lib/containers.ts";
import type {
  ContainerReport,
  ContainerRow,
  ContainerStore,
  FleetContainerRow,
  TimelineEntry,
} from "./types.ts";

const COLUMNS = `c.host_id, c.id, c.name, c.image, c.state, c.health, c.restarts, c.cpu_percent,
  c.mem_bytes, c.created_at, c.started_at, c.first_seen, c.last_seen, c.gone_at`;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toRow(r: Row): ContainerRow {
  return {
    host_id: String(r.host_id),
    id: String(r.id),
    name: String(r.name),
    image: String(r.image),
    state: String(r.state),
    health: String(r.health),
    restarts: Number(r.restarts),
    cpu_percent: num(r.cpu_percent),
    mem_bytes: num(r.mem_bytes),
    created_at: num(r.created_at),
    started_at: num(r.started_at),
    first_seen: Number(r.first_seen),
    last_seen: Number(r.last_seen),
    gone_at: num(r.gone_at),
  };
}

/** {@link ContainerStore} on one database. */
export class SqlContainerStore implements ContainerStore {
  constructor(private readonly db: Db) {}

  record(hostId: string, report: ContainerReport): Promise<void> {
    // PostgreSQL holds the host's report row, so two hubs (an agent that moved)
    // apply lists in seq order; SQLite's one connection runs a plan alone.
    const lock = this.db.dialect === "postgres" ? "FOR UPDATE" : "";
    return this.db.tx(function* () {
      for (const [idx, e] of report.events.entries()) {
        yield* count(
          `INSERT INTO container_events (host_id, seq, idx, ts, container_id, name, image, action,
            exit_code, health)
          VALUES (:host, :seq, :idx, :ts, :cid, :name, :image, :action, :code, :health)
          ON CONFLICT (host_id, seq, idx) DO NOTHING`,
          {
            host: hostId,
            seq: report.seq,
            idx,
            ts: e.ts,
            cid: e.container_id,
            name: e.name,
            image: e.image,
            action: e.action,
            code: e.exit_code,
            health: e.health,
          },
        );
      }
      if (!report.listed) return;
      const held = yield* first(
        `SELECT seq FROM container_reports WHERE host_id = :host ${lock}`,
        { host: hostId },
      );
      if (held && Number(held.seq) >= report.seq) return;
      yield* count(
        `INSERT INTO container_reports (host_id, seq, ts, engine) VALUES (:host, :seq, :ts, :engine)
        ON CONFLICT (host_id) DO UPDATE SET seq = excluded.seq, ts = excluded.ts,
          engine = excluded.engine`,
        { host: hostId, seq: report.seq, ts: report.ts, engine: report.engine },
      );
      for (const c of report.containers) {
        yield* count(
          `INSERT INTO containers (host_id, id, name, image, state, health, restarts, cpu_percent,
            mem_bytes, created_at, started_at, first_seen, last_seen, gone_at)
          VALUES (:host, :id, :name, :image, :state, :health, :restarts, :cpu, :mem, :created,
            :started, :ts, :ts, NULL)
          ON CONFLICT (host_id, id) DO UPDATE SET name = excluded.name, image = excluded.image,
            state = excluded.state, health = excluded.health, restarts = excluded.restarts,
            cpu_percent = excluded.cpu_percent, mem_bytes = excluded.mem_bytes,
            created_at = excluded.created_at, started_at = excluded.started_at,
            last_seen = excluded.last_seen, gone_at = NULL`,
          {
            host: hostId,
            id: c.id,
            name: c.name,
            image: c.image,
            state: c.state,
            health: c.health,
            restarts: c.restarts,
            cpu: c.cpu_percent,
            mem: c.mem_bytes,
            created: c.created_at,
            started: c.started_at,
            ts: report.ts,
          },
        );
      }
      // What this list lacks is gone: out of the live view, its series no longer fed.
      yield* count(
        `UPDATE containers SET gone_at = :ts, cpu_percent = NULL, mem_bytes = NULL
        WHERE host_id = :host AND gone_at IS NULL AND last_seen < :ts`,
        { host: hostId, ts: report.ts },
      );
    }());
  }

  list(hostId: string): Promise<ContainerRow[]> {
    return this.db.run(function* () {
      const found = yield* rows(
        `SELECT ${COLUMNS} FROM containers c WHERE c.host_id = :host AND c.gone_at IS NULL
        ORDER BY c.name, c.id`,
        { host: hostId },
      );
      return found.map(toRow);
    }());
  }

  fleet(
    filter: { query?: string; state?: string; limit?: number },
  ): Promise<{ containers: FleetContainerRow[]; total: number }> {
    const q = (filter.query ?? "").toLowerCase();
    // LIKE with its own wildcards escaped: a search for "a_b" finds only "a_b".
    const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const limit = Math.max(1, Math.min(filter.limit ?? 1000, 5000));
    const where = `FROM containers c JOIN hosts h ON h.id = c.host_id
        WHERE c.gone_at IS NULL
          AND (:q = '' OR LOWER(c.name) LIKE :like ESCAPE '\\' OR LOWER(c.image) LIKE :like ESCAPE '\\')
          AND (:state = '' OR c.state = :state)`;
    const params = { q, like, state: filter.state ?? "" };
    return this.db.run(function* () {
      const found = yield* rows(
        `SELECT ${COLUMNS}, h.name AS host_name ${where}
        ORDER BY c.name, h.name, c.id LIMIT :limit`,
        { ...params, limit },
      );
      const containers = found.map((r) => ({
        ...toRow(r),
        host: { id: String(r.host_id), name: r.host_name === null ? null : String(r.host_name) },
      }));
      // Counted only when the page is full: a short page is all there is.
      const total = containers.length < limit
        ? containers.length
        : Number((yield* rows(`SELECT COUNT(*) AS n ${where}`, params))[0].n);
      return { containers, total };
    }());
  }

  events(hostId: string, from: number, to: number, limit = 1000): Promise<TimelineEntry[]> {
    return this.db.run(function* () {
      const found = yield* rows(
        `SELECT ts, container_id, name, image, action, exit_code, health FROM container_events
        WHERE host_id = :host AND ts >= :from AND ts < :to
        ORDER BY ts DESC, seq DESC, idx DESC LIMIT :limit`,
        { host: hostId, from, to, limit: Math.max(1, Math.min(limit, 10_000)) },
      );
      // The newest of the range were read; the timeline runs oldest first.
      return found.reverse().map((r) => {
        const e = {
          action: String(r.action),
          container_id: String(r.container_id),
          name: String(r.name),
          image: String(r.image),
          exit_code: Number(r.exit_code),
          health: String(r.health),
        };
        return {
          ts: Number(r.ts),
          kind: "container" as const,
          summary: containerEventSummary(e),
          details: containerEventDetails(e),
        };
      });
    }());
  }

  prune(before: number): Promise<number> {
    return this.db.tx(function* () {
      const events = yield* count("DELETE FROM container_events WHERE ts < :before", { before });
      const gone = yield* count("DELETE FROM containers WHERE gone_at < :before", { before });
      return events + gone;
    }());
  }

  engine(hostId: string): Promise<{ engine: string; ts: number } | null> {
    return this.db.run(function* () {
      const r = yield* first("SELECT engine, ts FROM container_reports WHERE host_id = :host", {
        host: hostId,
      });
      return r ? { engine: String(r.engine), ts: Number(r.ts) } : null;
    }());
  }
}
