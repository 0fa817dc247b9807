/** The audit log on either dialect: the SQL agrees. */
import { count, type Db, type Plan, rows } from "../sql.ts";
import { iso } from "../rows.ts";
import type { AuditEntry, AuditRecord, AuditStore } from "./types.ts";

/**
 * Writes `e`, if given: other domains yield it inside the transaction of the
 * change it records.
 */
export function* writeAudit(e: AuditRecord | undefined): Plan<void> {
  if (!e) return;
  yield* count(
    `INSERT INTO audit_log (at, actor, action, target, target_id, detail)
    VALUES (:at, :actor, :action, :target, :target_id, :detail)`,
    {
      at: e.at,
      actor: e.actor,
      action: e.action,
      target: e.target ?? "",
      target_id: e.targetId ?? "",
      detail: e.detail ?? "",
    },
  );
}

/** {@link AuditStore} on one database. */
export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: Db) {}

  record(e: AuditRecord): Promise<void> {
    return this.db.run(writeAudit(e));
  }

  list(limit: number): Promise<AuditEntry[]> {
    return this.db.run(function* () {
      const found = yield* rows("SELECT * FROM audit_log ORDER BY id DESC LIMIT :limit", { limit });
      return found.map((r) => ({
        id: Number(r.id),
        at: iso(r.at)!,
        actor: String(r.actor),
        action: String(r.action),
        target: String(r.target),
        target_id: String(r.target_id),
        detail: String(r.detail),
      }));
    }());
  }
}
