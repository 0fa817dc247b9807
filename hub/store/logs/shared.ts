/**
 * Log lines and sources on either dialect. The SQL agrees but for the text
 * search (FTS5 MATCH in SQLite, ILIKE over a pg_trgm index in PostgreSQL),
 * how a list of hosts is passed, and PostgreSQL's day partitions, which the
 * caller makes (`ensure`) and drops (`dropBefore`).
 */
import { count, type Db, Json, type Plan, rows } from "../sql.ts";
import type { Params } from "../sql.ts";
import { json } from "../rows.ts";
import { writeAudit } from "../audit/shared.ts";
import type { AuditRecord } from "../audit/types.ts";
import type {
  LogLineRow,
  LogPage,
  LogQuery,
  LogRetention,
  LogScope,
  LogSourceError,
  LogSourceRow,
  LogStore,
  StoredLogBatch,
} from "./types.ts";

const DAY_MS = 86_400_000;
/** Rows per INSERT: SQLite allows 32,766 values, and a statement per size is cached. */
const INSERT_ROWS = 200;
/** Bytes a line is counted as beside its message and origin (row, ids, indexes). */
const ROW_BYTES = 64;
/** Matches past which a text counts as common (SQLite's search then walks lines by time). */
const COMMON = 2000;

/** What the PostgreSQL store adds: partitions made before a write, dropped at retention. */
export interface LogPartitions {
  ensure(fromMs: number, toMs: number): Promise<void>;
  /** Drops whole day partitions that end before `before`, and older rows of the default one. */
  dropBefore(before: number): Promise<void>;
}

/** `j` in letters (placeholder names are letters and underscores). */
function alpha(j: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (j % 26)) + s;
    j = Math.floor(j / 26);
  } while (j > 0);
  return s;
}

function lineRow(r: Record<string, unknown>): LogLineRow {
  return {
    id: String(r.id),
    host_id: String(r.host_id),
    ts: Number(r.ts),
    source_id: String(r.source_id),
    origin: String(r.origin),
    level: String(r.level),
    message: String(r.message),
  };
}

/** Lines deleted per transaction at retention. */
const PRUNE_SLICE = 10_000;

/** `s` as a LIKE pattern matching it anywhere, with `\` as the escape. */
function containing(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** {@link LogStore} on one database. */
export class SqlLogStore implements LogStore {
  constructor(private readonly db: Db, private readonly partitions?: LogPartitions) {}

  get #pg(): boolean {
    return this.db.dialect === "postgres";
  }

  /** `column` is one of `list`, passed as `:name`: an array in PostgreSQL, JSON text in SQLite. */
  #inList(column: string, name: string, list: string[], params: Params): string {
    // One value is an equality: PostgreSQL's planner then walks the index that
    // leads with the column (log_lines_by_host) where, given `= ANY`, it chose
    // the time index and filtered hundreds of thousands of rows.
    if (list.length === 1) {
      params[name] = list[0];
      return `${column} = :${name}`;
    }
    params[name] = this.#pg ? list : JSON.stringify(list);
    return this.#pg
      ? `${column} = ANY(:${name})`
      : `${column} IN (SELECT value FROM json_each(:${name}))`;
  }

  async writeBatch(
    hostId: string,
    batch: StoredLogBatch,
    now: number,
  ): Promise<{ inserted: boolean }> {
    if (this.partitions && batch.lines.length) {
      let lo = batch.lines[0].ts;
      let hi = lo;
      for (const l of batch.lines) {
        if (l.ts < lo) lo = l.ts;
        if (l.ts > hi) hi = l.ts;
      }
      await this.partitions.ensure(lo, hi);
    }
    const pg = this.#pg;
    return await this.db.tx(function* (): Plan<{ inserted: boolean }> {
      // The batch row first: a replay stops here, having written nothing.
      // It counts as rolled up: it holds no samples for the rollups to take.
      const claimed = yield* count(
        `INSERT INTO batches (host_id, seq, ts, received_at, rolled_up, kind)
        VALUES (:host, :seq, :ts, :now, ${pg ? "true" : "1"}, 'logs')
        ON CONFLICT (host_id, seq) DO NOTHING`,
        { host: hostId, seq: batch.seq, ts: batch.ts, now },
      );
      if (claimed === 0) return { inserted: false };
      const days = new Map<number, { lines: number; bytes: number }>();
      for (const l of batch.lines) {
        const day = Math.floor(l.ts / DAY_MS);
        const d = days.get(day) ?? { lines: 0, bytes: 0 };
        d.lines++;
        d.bytes += l.message.length + l.origin.length + ROW_BYTES;
        days.set(day, d);
      }
      if (pg && batch.lines.length) {
        // One statement of five arrays: PostgreSQL parses and plans one
        // statement a batch instead of thousands of placeholders (measured
        // about a tenth more lines a second than 200-row VALUES lists). In
        // the batch's order, so ids follow the lines.
        yield* count(
          `INSERT INTO log_lines (host_id, ts, source_id, origin, level, message)
          SELECT :host, t, s, o, l, m FROM unnest(:ts::bigint[], :source::text[],
            :origin::text[], :level::text[], :message::text[]) WITH ORDINALITY AS x(t, s, o, l, m, n)
          ORDER BY n`,
          {
            host: hostId,
            ts: batch.lines.map((l) => l.ts),
            source: batch.lines.map((l) => l.source_id),
            origin: batch.lines.map((l) => l.origin),
            level: batch.lines.map((l) => l.level),
            message: batch.lines.map((l) => l.message),
          },
        );
      }
      for (let i = 0; !pg && i < batch.lines.length; i += INSERT_ROWS) {
        const chunk = batch.lines.slice(i, i + INSERT_ROWS);
        const params: Params = { host: hostId };
        const values = chunk.map((l, i) => {
          const j = alpha(i);
          params[`t_${j}`] = l.ts;
          params[`s_${j}`] = l.source_id;
          params[`o_${j}`] = l.origin;
          params[`l_${j}`] = l.level;
          params[`m_${j}`] = l.message;
          return `(:host, :t_${j}, :s_${j}, :o_${j}, :l_${j}, :m_${j})`;
        });
        yield* count(
          `INSERT INTO log_lines (host_id, ts, source_id, origin, level, message)
          VALUES ${values.join(", ")}`,
          params,
        );
      }
      for (const [day, d] of days) {
        yield* count(
          `INSERT INTO log_days (day, lines, bytes) VALUES (:day, :lines, :bytes)
          ON CONFLICT (day) DO UPDATE SET lines = log_days.lines + excluded.lines,
            bytes = log_days.bytes + excluded.bytes`,
          { day, lines: d.lines, bytes: d.bytes },
        );
      }
      for (const e of batch.errors) {
        yield* count(
          `INSERT INTO log_source_errors (host_id, source_id, message, ts)
          VALUES (:host, :source, :message, :ts)
          ON CONFLICT (host_id, source_id) DO UPDATE SET message = excluded.message, ts = excluded.ts`,
          { host: hostId, source: e.source_id, message: e.message, ts: batch.ts },
        );
      }
      if (batch.dropped > 0) {
        yield* count(
          `INSERT INTO log_dropped (host_id, lines) VALUES (:host, :n)
          ON CONFLICT (host_id) DO UPDATE SET lines = log_dropped.lines + excluded.lines`,
          { host: hostId, n: batch.dropped },
        );
      }
      return { inserted: true };
    }());
  }

  search(q: LogQuery): Promise<LogPage> {
    const where: string[] = [];
    const params: Params = { limit: q.limit + 1 };
    const text = q.text ?? "";
    if (text) {
      if (this.#pg) {
        where.push(`message ILIKE :pattern`);
        params.pattern = containing(text);
      } else if ([...text].length >= 3) {
        // Decided in the plan below, once the index has said how common the text is.
        where.push(`:fts_clause`);
        params.match = `"${text.replaceAll('"', '""')}"`;
      } else {
        // Shorter than a trigram: no index can help, the other filters narrow it.
        where.push(`message LIKE :pattern ESCAPE '\\'`);
        params.pattern = containing(text);
      }
      if (this.#pg) where[where.length - 1] += ` ESCAPE '\\'`;
    }
    if (q.hostIds) {
      where.push(this.#inList("host_id", "hosts", q.hostIds, params));
    }
    if (q.sourceId) {
      where.push(`source_id = :source`);
      params.source = q.sourceId;
    }
    if (q.levels?.length) {
      where.push(this.#inList("level", "levels", q.levels, params));
    }
    if (q.from !== undefined) {
      where.push(`ts >= :from`);
      params.from = q.from;
    }
    if (q.to !== undefined) {
      where.push(`ts < :to`);
      params.to = q.to;
    }
    if (q.cursor) {
      where.push(`(ts < :cts OR (ts = :cts AND id < :cid))`);
      params.cts = q.cursor.ts;
      params.cid = q.cursor.id;
    }
    const sql = `SELECT id, host_id, ts, source_id, origin, level, message FROM log_lines
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY ts DESC, id DESC LIMIT :limit`;
    return this.db.run(function* () {
      let text = sql;
      if (params.match !== undefined) {
        // A rare text: its few matches from the trigram index, then the rest of
        // the filters. A common one: walk the lines newest first and test each
        // (a page is found within a few thousand lines), since gathering every
        // match of a common text to sort them costs more the bigger the table.
        const [probe] = yield* rows(
          `SELECT COUNT(*) AS n FROM (SELECT rowid FROM log_lines_fts
          WHERE log_lines_fts MATCH :match LIMIT ${COMMON})`,
          { match: params.match },
        );
        if (Number(probe.n) < COMMON) {
          text = sql.replace(
            ":fts_clause",
            "id IN (SELECT rowid FROM log_lines_fts WHERE log_lines_fts MATCH :match)",
          );
        } else {
          text = sql.replace(":fts_clause", "message LIKE :pattern ESCAPE '\\'");
          params.pattern = containing(q.text!);
          delete params.match;
        }
      }
      const found = (yield* rows(text, params)).map(lineRow);
      const more = found.length > q.limit;
      const lines = more ? found.slice(0, q.limit) : found;
      const last = lines[lines.length - 1];
      return { lines, next: more ? { ts: last.ts, id: Number(last.id) } : null };
    }());
  }

  context(id: string, n: number) {
    return this.db.run(function* () {
      const [line] = yield* rows(
        `SELECT id, host_id, ts, source_id, origin, level, message FROM log_lines WHERE id = :id`,
        { id: Number(id) },
      );
      if (!line) return null;
      const p = {
        host: line.host_id as string,
        origin: line.origin as string,
        ts: Number(line.ts),
        id: Number(line.id),
        n,
      };
      const before = yield* rows(
        `SELECT id, host_id, ts, source_id, origin, level, message FROM log_lines
        WHERE host_id = :host AND origin = :origin AND (ts < :ts OR (ts = :ts AND id < :id))
        ORDER BY ts DESC, id DESC LIMIT :n`,
        p,
      );
      const after = yield* rows(
        `SELECT id, host_id, ts, source_id, origin, level, message FROM log_lines
        WHERE host_id = :host AND origin = :origin AND (ts > :ts OR (ts = :ts AND id > :id))
        ORDER BY ts, id LIMIT :n`,
        p,
      );
      return { before: before.reverse().map(lineRow), after: after.map(lineRow) };
    }());
  }

  async prune(r: LogRetention): Promise<{ days: number }> {
    // The oldest days go while past the age, or while what is kept is over the size.
    const days = await this.db.run(function* () {
      return (yield* rows(`SELECT day, bytes FROM log_days ORDER BY day`)).map((d) => ({
        day: Number(d.day),
        bytes: Number(d.bytes),
      }));
    }());
    let total = days.reduce((n, d) => n + d.bytes, 0);
    let cut = -1;
    for (const d of days) {
      if ((d.day + 1) * DAY_MS <= r.before || total > r.maxBytes) {
        cut = d.day;
        total -= d.bytes;
      } else break;
    }
    if (cut < 0) return { days: 0 };
    const before = (cut + 1) * DAY_MS;
    if (this.partitions) await this.partitions.dropBefore(before);
    // In slices, each its own transaction: a day of a busy fleet is millions of rows
    // (and as many FTS entries), and one DELETE of them all held the database's only
    // writer for as long as it took, stopping every ingest. A slice that fails leaves
    // the rest for the next pass; the days' tally goes once the rows are gone.
    for (;;) {
      const n = await this.db.tx(function* () {
        return yield* count(
          `DELETE FROM log_lines WHERE id IN
          (SELECT id FROM log_lines WHERE ts < :before ORDER BY ts, id LIMIT ${PRUNE_SLICE})`,
          { before },
        );
      }());
      if (n < PRUNE_SLICE) break;
    }
    await this.db.tx(function* () {
      yield* count(`DELETE FROM log_days WHERE day <= :cut`, { cut });
    }());
    return { days: days.filter((d) => d.day <= cut).length };
  }

  stats() {
    return this.db.run(function* () {
      const [d] = yield* rows(
        `SELECT COALESCE(SUM(lines), 0) AS lines, COALESCE(SUM(bytes), 0) AS bytes FROM log_days`,
      );
      const [x] = yield* rows(`SELECT COALESCE(SUM(lines), 0) AS n FROM log_dropped`);
      return { lines: Number(d.lines), bytes: Number(d.bytes), dropped: Number(x.n) };
    }());
  }

  createSource(s: LogSourceRow, audit?: AuditRecord): Promise<void> {
    return this.db.tx(function* () {
      yield* count(
        `INSERT INTO log_sources (id, type, path, units, scope, created_at)
        VALUES (:id, :type, :path, :units, :scope, :at)`,
        {
          id: s.id,
          type: s.type,
          path: s.path,
          units: new Json(s.units),
          scope: new Json(s.scope),
          at: s.created_at,
        },
      );
      yield* writeAudit(audit);
    }());
  }

  listSources(): Promise<LogSourceRow[]> {
    return this.db.run(function* () {
      return (yield* rows(
        `SELECT id, type, path, units, scope, created_at FROM log_sources ORDER BY created_at, id`,
      )).map((r) => ({
        id: String(r.id),
        type: String(r.type) as LogSourceRow["type"],
        path: String(r.path),
        units: json<string[]>(r.units),
        scope: json<LogScope>(r.scope),
        created_at: Number(r.created_at),
      }));
    }());
  }

  deleteSource(id: string, audit?: AuditRecord): Promise<boolean> {
    return this.db.tx(function* () {
      const n = yield* count(`DELETE FROM log_sources WHERE id = :id`, { id });
      if (n === 0) return false;
      yield* count(`DELETE FROM log_source_errors WHERE source_id = :id`, { id });
      yield* writeAudit(audit);
      return true;
    }());
  }

  sourceErrors(): Promise<LogSourceError[]> {
    return this.db.run(function* () {
      return (yield* rows(
        `SELECT host_id, source_id, message, ts FROM log_source_errors ORDER BY ts DESC`,
      )).map((r) => ({
        host_id: String(r.host_id),
        source_id: String(r.source_id),
        message: String(r.message),
        ts: Number(r.ts),
      }));
    }());
  }
}
