/** Settings on either dialect: the SQL agrees. */
import { count, type Db, first } from "../sql.ts";
import { writeAudit } from "../audit/shared.ts";
import type { AuditRecord } from "../audit/types.ts";
import type { SettingStore } from "./types.ts";

/** {@link SettingStore} on one database. */
export class SqlSettingStore implements SettingStore {
  constructor(private readonly db: Db) {}

  get(key: string): Promise<string | null> {
    return this.db.run(function* () {
      const r = yield* first("SELECT value FROM settings WHERE key = :key", { key });
      return r ? String(r.value) : null;
    }());
  }

  set(key: string, value: string | null, audit?: AuditRecord): Promise<void> {
    return this.db.tx(function* () {
      if (value === null) yield* count("DELETE FROM settings WHERE key = :key", { key });
      else {
        yield* count(
          `INSERT INTO settings (key, value) VALUES (:key, :value)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          { key, value },
        );
      }
      yield* writeAudit(audit);
    }());
  }
}
