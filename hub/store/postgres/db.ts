/**
 * The postgres.js pool a PostgreSQL store opens, shared by every domain's
 * store: migrations, and the driver that runs plans (sql.ts) on it.
 */
import postgres from "postgres";
import { type Migration, readMigrations } from "../migrations.ts";
import {
  type Db,
  driveAsync,
  Json,
  placeholders,
  type Plan,
  type Statement,
  values,
} from "../sql.ts";

/** Key of the advisory lock that serialises migrations across hubs. */
const MIGRATE_LOCK = 0x5167_6874;

/** 1-based line of a character offset in `text`, for migration errors. */
function lineOf(text: string, position: number): number {
  return text.slice(0, position).split("\n").length;
}

/** One pool of connections to the database. */
export class PostgresDb implements Db {
  readonly dialect = "postgres";
  readonly sql: postgres.Sql;
  /** Plan texts compiled to `$n` placeholders, with their parameter names in order. */
  #compiled = new Map<string, { text: string; names: string[] }>();

  constructor(url: string, options: { pool?: number } = {}) {
    this.sql = postgres(url, {
      max: options.pool ?? 10,
      onnotice: () => {},
      connection: { application_name: "sightline" },
    });
  }

  /** Runs one plan statement on `on` (the pool or a transaction), prepared. */
  async #exec(on: postgres.Sql | postgres.TransactionSql, s: Statement) {
    let c = this.#compiled.get(s.text);
    if (!c) {
      c = placeholders("postgres", s.text);
      this.#compiled.set(s.text, c);
    }
    const args = values("postgres", c.names, s.params).map((v) =>
      v instanceof Json ? this.sql.json(v.value as postgres.JSONValue) : v
    ) as postgres.ParameterOrJSON<never>[];
    const res = await on.unsafe(c.text, args, { prepare: s.prepare ?? true });
    return s.want === "rows" ? [...res] : res.count;
  }

  async tx<T>(plan: Plan<T>): Promise<T> {
    return await this.sql.begin((tx) => driveAsync(plan, (s) => this.#exec(tx, s))) as T;
  }

  run<T>(plan: Plan<T>): Promise<T> {
    return driveAsync(plan, (s) => this.#exec(this.sql, s));
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
    }) as string[];
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}
