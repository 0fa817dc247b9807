/** Settings on either dialect: the SQL agrees. */
import { count, type Db, first, rows } from "../sql.ts";
import { writeAudit } from "../audit/shared.ts";
import type { AuditRecord } from "../audit/types.ts";
import type { SettingStore } from "./types.ts";

/** Sets or (null) removes one key. */
function* write(key: string, value: string | null) {
  if (value === null) yield* count("DELETE FROM settings WHERE key = :key", { key });
  else {
    yield* count(
      `INSERT INTO settings (key, value) VALUES (:key, :value)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      { key, value },
    );
  }
}

/** {@link SettingStore} on one database. */
export class SqlSettingStore implements SettingStore {
  constructor(private readonly db: Db) {}

  get(key: string): Promise<string | null> {
    return this.db.run(function* () {
      const r = yield* first("SELECT value FROM settings WHERE key = :key", { key });
      return r ? String(r.value) : null;
    }());
  }

  matching(prefix: string, suffix: string): Promise<Map<string, string>> {
    return this.db.run(function* () {
      // LIKE narrows by the prefix; the exact test is here (keys may hold _ or %).
      const found = yield* rows("SELECT key, value FROM settings WHERE key LIKE :like", {
        like: `${prefix.replace(/[%_]/g, "")}%`,
      });
      return new Map(
        found.map((r) => [String(r.key), String(r.value)] as const).filter(([k]) =>
          k.startsWith(prefix) && k.endsWith(suffix) && k.length >= prefix.length + suffix.length
        ),
      );
    }());
  }

  set(key: string, value: string | null, audit?: AuditRecord): Promise<void> {
    return this.db.tx(function* () {
      yield* write(key, value);
      yield* writeAudit(audit);
    }());
  }

  update(
    keys: string[],
    change: (current: Map<string, string | null>) => Map<string, string | null>,
    audit?: AuditRecord,
  ): Promise<void> {
    // PostgreSQL holds the rows it read (a key not there yet is held by the
    // insert's unique index); SQLite's one connection runs a plan alone.
    const lock = this.db.dialect === "postgres" ? "FOR UPDATE" : "";
    return this.db.tx(function* () {
      const current = new Map<string, string | null>();
      for (const key of keys) {
        const r = yield* first(`SELECT value FROM settings WHERE key = :key ${lock}`, { key });
        current.set(key, r ? String(r.value) : null);
      }
      for (const [key, value] of change(current)) yield* write(key, value);
      yield* writeAudit(audit);
    }());
  }
}
