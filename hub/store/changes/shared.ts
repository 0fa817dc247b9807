/** Host changes on either dialect: the SQL agrees. */
import { type Db, Json, rows } from "../sql.ts";
import { json } from "../rows.ts";
import type { ChangeRange, ChangeStore, HostChange, NewHostChange } from "./types.ts";

/** {@link ChangeStore} on one database. */
export class SqlChangeStore implements ChangeStore {
  constructor(private readonly db: Db) {}

  record(hostId: string, changes: NewHostChange[], now: number): Promise<HostChange[]> {
    if (changes.length === 0) return Promise.resolve([]);
    // Values in a SELECT list have no column to take their type from: PostgreSQL is told.
    const [big, jsonb] = this.db.dialect === "postgres" ? ["::bigint", "::jsonb"] : ["", ""];
    return this.db.tx(function* () {
      const recorded: HostChange[] = [];
      for (const c of changes) {
        // Through the hosts row, so a host removed meanwhile takes nothing
        // (and its stream is ending anyway).
        const [r] = yield* rows(
          `INSERT INTO host_changes (host_id, change_key, ts, kind, summary, details, recorded_at)
          SELECT id, :key, :ts${big}, :kind, :summary, :details${jsonb}, :now${big}
          FROM hosts WHERE id = :host
          ON CONFLICT (host_id, change_key) DO NOTHING RETURNING ts`,
          {
            host: hostId,
            key: c.key,
            ts: c.ts,
            kind: c.kind,
            summary: c.summary,
            details: new Json(c.details),
            now,
          },
        );
        if (r) recorded.push({ ts: c.ts, kind: c.kind, summary: c.summary, details: c.details });
      }
      return recorded;
    }());
  }

  list(hostId: string, { from, to, limit }: ChangeRange): Promise<HostChange[]> {
    return this.db.run(function* () {
      // The newest `limit`, turned oldest first: a chart of a long range
      // shows what changed most recently when there is too much to show.
      const found = yield* rows(
        `SELECT ts, kind, summary, details FROM host_changes
        WHERE host_id = :host AND ts >= :from AND ts < :to
        ORDER BY ts DESC, kind DESC, change_key DESC LIMIT :limit`,
        { host: hostId, from, to, limit },
      );
      return found.reverse().map((r) => ({
        ts: Number(r.ts),
        kind: String(r.kind),
        summary: String(r.summary),
        details: json<Record<string, unknown>>(r.details),
      }));
    }());
  }
}
