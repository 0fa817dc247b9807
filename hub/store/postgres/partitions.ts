/**
 * The time-partitioned tables of the PostgreSQL store: samples by day and the
 * rollup tiers by wider spans. Creates partitions ahead of the data and drops
 * them whole once retention has passed their end, so pruning never runs a
 * slow DELETE on a busy table.
 */
import type postgres from "postgres";

const DAY_MS = 86_400_000;
/** Days of partitions kept ready ahead of the newest data. */
const DAYS_AHEAD = 3;

/**
 * Partition width of each range-partitioned time table: a partition is
 * dropped whole once retention has passed its end.
 */
const PARTITION_WIDTH: Record<string, number> = {
  samples: DAY_MS,
  rollup_1m: DAY_MS,
  rollup_10m: 10 * DAY_MS,
  rollup_1h: 30 * DAY_MS,
  log_lines: DAY_MS,
};

/**
 * Column statistics targets a new partition is given (a partition does not
 * inherit its parent's): see sql/postgres/0017_log_message_statistics.sql.
 */
const STATISTICS: Record<string, Array<[column: string, target: number]>> = {
  log_lines: [["message", 1000]],
};

/** `table_YYYYMMDD`, named after the partition's first day. */
function partitionName(table: string, startMs: number): string {
  return `${table}_${new Date(startMs).toISOString().slice(0, 10).replaceAll("-", "")}`;
}

/** The first instant of a partition named by {@link partitionName}; null for others. */
function partitionStart(table: string, name: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(name.slice(table.length + 1));
  return name.startsWith(`${table}_`) && m
    ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
    : null;
}

/** Creates and drops the partitions of one database's time tables. */
export class Partitions {
  #sql: postgres.Sql;
  /** Day numbers known to have partitions, from and until. */
  #from = 0;
  #until = 0;

  constructor(sql: postgres.Sql) {
    this.#sql = sql;
  }

  /** Whether data at `ts` may have no partition yet (ensure() is then worth calling). */
  mayLack(ts: number): boolean {
    return ts > this.#until * DAY_MS - DAY_MS;
  }

  /**
   * Creates the partitions of samples and the rollup tables from the day
   * before `fromMs` to a few days after `toMs` (default: around one moment).
   * A table that is not partitioned (samples as a TimescaleDB hypertable,
   * which makes chunks itself) is left alone. `only` limits it to one table
   * (copying history in, where each table reaches back its own way).
   */
  async ensure(fromMs: number, toMs = fromMs, only?: string): Promise<void> {
    const first = Math.floor(fromMs / DAY_MS) - 1;
    const last = Math.floor(toMs / DAY_MS) + DAYS_AHEAD;
    if (first >= this.#from && last <= this.#until) return;
    const tables = (await this.#tables()).filter((t) => !only || t.table === only);
    for (const { table, widthMs } of tables) {
      const lo = Math.floor((first * DAY_MS) / widthMs);
      const hi = Math.floor((last * DAY_MS) / widthMs);
      for (let k = lo; k <= hi; k++) {
        try {
          const name = partitionName(table, k * widthMs);
          await this.#sql.unsafe(
            `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${table}
            FOR VALUES FROM (${k * widthMs}) TO (${(k + 1) * widthMs})`,
          );
          for (const [column, target] of STATISTICS[table] ?? []) {
            await this.#sql.unsafe(
              `ALTER TABLE ${name} ALTER COLUMN ${column} SET STATISTICS ${target}`,
            );
          }
        } catch (err) {
          // Rows for that range already sit in the default partition (late
          // data): they stay there and are still queried and pruned.
          if ((err as { code?: string }).code !== "23514") throw err;
        }
      }
    }
    // Only the newest span is remembered: writes move forward in time.
    if (!only && last > this.#until) {
      this.#from = first;
      this.#until = last;
    }
  }

  /** The range-partitioned time tables and their partition widths. */
  async #tables(): Promise<Array<{ table: string; widthMs: number }>> {
    const kinds = await this.#sql`SELECT relname, relkind FROM pg_class
      WHERE relname = ANY(${
      Object.keys(PARTITION_WIDTH)
    }) AND relnamespace = current_schema()::regnamespace`;
    return kinds.filter((k) => k.relkind === "p").map((k) => ({
      table: String(k.relname),
      widthMs: PARTITION_WIDTH[String(k.relname)],
    }));
  }

  /**
   * Drops `table`'s partitions that end before `before`, then deletes up to
   * `limit` older rows from its default partition (late data), or from the
   * table itself when it is not partitioned.
   */
  async prune(
    table: string,
    column: string,
    before: number,
    limit: number,
  ): Promise<{ rows: number; partitions: number }> {
    const parts = await this
      .#sql`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = ${table}::regclass`;
    const width = PARTITION_WIDTH[table];
    let partitions = 0;
    let hasDefault = false;
    for (const { relname } of parts) {
      const start = partitionStart(table, String(relname));
      if (start === null) {
        hasDefault ||= relname === `${table}_default`;
        continue;
      }
      if (start + width <= before) {
        await this.#sql.unsafe(`DROP TABLE IF EXISTS ${relname}`);
        partitions++;
      }
    }
    const target = hasDefault ? `${table}_default` : table;
    const rows = (await this.#sql`DELETE FROM ${this.#sql(target)} WHERE ctid = ANY(ARRAY(
      SELECT ctid FROM ${this.#sql(target)} WHERE ${
      this.#sql(column)
    } < ${before} LIMIT ${limit}))`)
      .count;
    return { rows, partitions };
  }
}
