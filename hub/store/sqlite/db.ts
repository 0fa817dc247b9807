/**
 * The one SQLite connection a store opens, shared by every domain's store:
 * pragmas, the statement cache, transactions, migrations, and the driver that
 * runs plans (sql.ts) on it.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { readMigrations } from "../migrations.ts";
import { renumberOldMigrations } from "./old_numbering.ts";
import {
  type Db,
  driveSync,
  Json,
  placeholders,
  type Plan,
  type Row,
  type Statement,
  values,
} from "../sql.ts";

/** The first line of a migration that makes a table again (see migrate). */
const REBUILD = "-- rebuild: foreign keys off\n";

/** One connection to the SQLite file. */
export class SqliteDb implements Db {
  readonly dialect = "sqlite";
  /** The node:sqlite handle, for what plans do not say (the write path, pragmas). */
  readonly raw: DatabaseSync;
  #stmts = new Map<string, StatementSync>();
  /** Plan texts compiled to `?` placeholders, with their parameter names in order. */
  #compiled = new Map<string, { text: string; names: string[] }>();

  constructor(path: string) {
    this.raw = new DatabaseSync(path);
    // Space freed by retention goes back to the file system a slice at a
    // time (reclaimSpace); settable only before the first table exists.
    if (this.#autoVacuum() === 0 && this.#isEmpty()) {
      this.raw.exec("PRAGMA auto_vacuum = INCREMENTAL");
    }
    this.raw.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 10000;
      PRAGMA foreign_keys = ON;
    `);
  }

  #autoVacuum(): number {
    return Number(this.raw.prepare("PRAGMA auto_vacuum").get()?.auto_vacuum ?? 0);
  }

  #isEmpty(): boolean {
    return this.raw.prepare("SELECT 1 FROM sqlite_master LIMIT 1").get() === undefined;
  }

  /** A prepared statement, cached by its SQL. */
  q(sql: string): StatementSync {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` in one write transaction. */
  txSync<T>(fn: () => T): T {
    this.raw.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.raw.exec("COMMIT");
      return out;
    } catch (err) {
      this.raw.exec("ROLLBACK");
      throw err;
    }
  }

  /** Runs one plan statement on the connection. */
  #exec = (s: Statement): Row[] | number => {
    let c = this.#compiled.get(s.text);
    if (!c) {
      c = placeholders("sqlite", s.text);
      this.#compiled.set(s.text, c);
    }
    const args = values("sqlite", c.names, s.params).map((v): SQLInputValue =>
      v instanceof Json ? JSON.stringify(v.value) : v as SQLInputValue
    );
    const stmt = this.q(c.text);
    return s.want === "rows" ? stmt.all(...args) : Number(stmt.run(...args).changes);
  };

  tx<T>(plan: Plan<T>): Promise<T> {
    try {
      return Promise.resolve(this.txSync(() => driveSync(plan, this.#exec)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  run<T>(plan: Plan<T>): Promise<T> {
    try {
      return Promise.resolve(driveSync(plan, this.#exec));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Applies pending migrations, each in its own transaction; returns their names. */
  async migrate(): Promise<string[]> {
    const migrations = await readMigrations("sqlite");
    this.raw.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    renumberOldMigrations(this.raw);
    const done = new Set(
      this.raw.prepare("SELECT version FROM schema_migrations").all().map((r) => Number(r.version)),
    );
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      // A migration that makes a table again (SQLite cannot change a column in place) runs
      // with foreign keys off, as SQLite's own procedure has it: dropping the old table would
      // otherwise cascade into the rows that reference it. They are checked before it commits.
      const rebuild = m.sql.startsWith(REBUILD);
      if (rebuild) this.raw.exec("PRAGMA foreign_keys = OFF");
      try {
        this.txSync(() => {
          this.raw.exec(m.sql);
          const broken = rebuild ? this.raw.prepare("PRAGMA foreign_key_check").all() : [];
          if (broken.length) throw new Error(`foreign keys broken: ${JSON.stringify(broken[0])}`);
          this.q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
            .run(m.version, m.name, Date.now());
        });
      } catch (err) {
        throw new Error(`Cannot apply migration ${m.name}: ${(err as Error).message}`);
      } finally {
        if (rebuild) this.raw.exec("PRAGMA foreign_keys = ON");
      }
      applied.push(m.name);
    }
    if (this.#autoVacuum() !== 2) {
      // A file made before incremental vacuum was on: one full VACUUM switches it.
      this.raw.exec("PRAGMA auto_vacuum = INCREMENTAL");
      this.raw.exec("VACUUM");
    }
    return applied;
  }

  close(): Promise<void> {
    this.raw.close();
    return Promise.resolve();
  }
}
