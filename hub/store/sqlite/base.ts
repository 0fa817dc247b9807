/** The SQLite connection every SQLite store class builds on: pragmas, statement cache, transactions, migrations. */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { readMigrations } from "../migrations.ts";

/** One connection to the SQLite file. */
export class SqliteBase {
  readonly db: DatabaseSync;
  #stmts = new Map<string, StatementSync>();

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    // Space freed by retention goes back to the file system a slice at a
    // time (reclaimSpace); settable only before the first table exists.
    if (this.#autoVacuum() === 0 && this.#isEmpty()) {
      this.db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    }
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 10000;
      PRAGMA foreign_keys = ON;
    `);
  }

  #autoVacuum(): number {
    return Number(this.db.prepare("PRAGMA auto_vacuum").get()?.auto_vacuum ?? 0);
  }

  #isEmpty(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master LIMIT 1").get() === undefined;
  }

  /** A prepared statement, cached by its SQL. */
  protected q(sql: string): StatementSync {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` in one write transaction. */
  protected tx<T>(fn: () => T): T {
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

  /** Applies pending migrations, each in its own transaction; returns their names. */
  async migrate(): Promise<string[]> {
    const migrations = await readMigrations("sqlite");
    this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    const done = new Set(
      this.db.prepare("SELECT version FROM schema_migrations").all().map((r) => Number(r.version)),
    );
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      try {
        this.tx(() => {
          this.db.exec(m.sql);
          this.q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
            .run(m.version, m.name, Date.now());
        });
      } catch (err) {
        throw new Error(`Cannot apply migration ${m.name}: ${(err as Error).message}`);
      }
      applied.push(m.name);
    }
    if (this.#autoVacuum() !== 2) {
      // A file made before incremental vacuum was on: one full VACUUM switches it.
      this.db.exec("PRAGMA auto_vacuum = INCREMENTAL");
      this.db.exec("VACUUM");
    }
    return applied;
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
