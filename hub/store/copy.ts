/**
 * Moves an embedded install to PostgreSQL: copies every table of a Sightline
 * SQLite file (hosts, tokens, keys, users, sessions, audit log, settings,
 * what changed on each host, containers, packages, checks, alerting, logs
 * and all metrics, raw and rolled up) into an empty PostgreSQL database, in
 * one transaction, so a
 * failure leaves the target as it was. Keep the hub's data dir: agents' keys
 * derive from its secret and they pin its CA.
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import type { PostgresStore } from "./postgres/store.ts";
import { readMigrations } from "./migrations.ts";
import { ROLLUPS } from "./tiers.ts";

type Row = Record<string, SQLInputValue>;

/** Tables in the order foreign keys need, with the conversions PostgreSQL wants. */
const TABLES: Array<
  { name: string; order: string; convert?: (r: Row) => Record<string, unknown> }
> = [
  {
    name: "hosts",
    order: "id",
    convert: (r) => ({ ...r, ips: JSON.parse(String(r.ips)), tags: JSON.parse(String(r.tags)) }),
  },
  {
    name: "registration_tokens",
    order: "hash",
    convert: (r) => ({ ...r, name_from_agent: r.name_from_agent === 1 }),
  },
  { name: "api_keys", order: "id" },
  { name: "users", order: "id" },
  { name: "sessions", order: "hash" },
  { name: "audit_log", order: "id" },
  { name: "settings", order: "key" },
  { name: "series", order: "id" },
  { name: "batches", order: "id", convert: (r) => ({ ...r, rolled_up: r.rolled_up === 1 }) },
  { name: "rollup_dirty", order: "tier, host_id, bucket" },
  {
    name: "host_latest",
    order: "host_id",
    convert: (r) => ({ ...r, data: JSON.parse(String(r.data)) }),
  },
  {
    name: "host_changes",
    order: "host_id, change_key",
    convert: (r) => ({ ...r, details: JSON.parse(String(r.details)) }),
  },
  // Containers (issue 20): each host's inventory, its newest list, container events.
  { name: "containers", order: "host_id, id" },
  { name: "container_reports", order: "host_id" },
  { name: "container_events", order: "host_id, seq, idx" },
  { name: "checks", order: "id", convert: (r) => ({ ...r, spec: JSON.parse(String(r.spec)) }) },
  {
    name: "check_results",
    order: "check_id, host_id, ts",
    convert: (r) => ({ ...r, details: JSON.parse(String(r.details)) }),
  },
  { name: "check_state", order: "check_id" },
  { name: "check_incidents", order: "check_id, started_at" },
  { name: "samples", order: "series_id, ts" },
  ...ROLLUPS.map((t) => ({ name: t.table, order: "series_id, bucket" })),
  { name: "stream_nonces", order: "nonce" },
  {
    name: "packages",
    order: "host_id, manager, name, arch",
    convert: (r) => ({ ...r, security: r.security === 1 }),
  },
  { name: "package_names", order: "name" },
  { name: "package_changes", order: "id" },
  {
    name: "package_hosts",
    order: "host_id",
    convert: (r) => ({
      ...r,
      managers: JSON.parse(String(r.managers)),
      errors: JSON.parse(String(r.errors)),
    }),
  },
  { name: "check_days", order: "check_id, host_id, day" },
  // Alerting (issues 15, 16): rules, alerts with their history, mutes, channels and the outbox.
  { name: "alert_rules", order: "id", convert: (r) => ({ ...r, spec: json(r.spec) }) },
  {
    name: "alerts",
    order: "id",
    convert: (r) => ({ ...r, labels: json(r.labels), processes: json(r.processes) }),
  },
  { name: "silences", order: "id" },
  { name: "maintenance_windows", order: "id", convert: (r) => ({ ...r, days: json(r.days) }) },
  {
    name: "channels",
    order: "id",
    convert: (r) => ({
      ...r,
      config: json(r.config),
      filters: json(r.filters),
      template: json(r.template),
      enabled: r.enabled === 1,
    }),
  },
  { name: "notifications", order: "id" },
  { name: "notification_items", order: "notification_id, alert_id" },
  {
    name: "notification_attempts",
    order: "notification_id, at",
    convert: (r) => ({ ...r, ok: r.ok === 1 }),
  },
  // Logs (issue 18): sources, the lines (the search index is PostgreSQL's own), tallies.
  {
    name: "log_sources",
    order: "id",
    convert: (r) => ({ ...r, units: json(r.units), scope: json(r.scope) }),
  },
  { name: "log_lines", order: "id" },
  { name: "log_days", order: "day" },
  { name: "log_dropped", order: "host_id" },
  { name: "log_source_errors", order: "host_id, source_id" },
  // Not leases: what the embedded hub held means nothing to the cluster it joins.
];

/** A JSON column's value (SQLite keeps it as text; null stays null). */
function json(v: SQLInputValue): unknown {
  return v === null ? null : JSON.parse(String(v));
}

/**
 * SQLite's tables the copy leaves out on purpose; every other table must be
 * in TABLES (the migrate test checks it, so a new table is not forgotten).
 */
export const NOT_COPIED = new Set(["schema_migrations", "leases"]);

/** The tables the copy fills, in its order. */
export const COPIED: readonly string[] = TABLES.map((t) => t.name);
/** Tables partitioned by time in PostgreSQL, and their time column. */
const PARTITIONED: Array<[string, string]> = [
  ["samples", "ts"],
  ["log_lines", "ts"],
  ...ROLLUPS.filter((t) => t.name !== "1d").map((t): [string, string] => [t.table, "bucket"]),
];
/** Rows per INSERT (PostgreSQL takes at most 65,535 parameters). */
const CHUNK = 4000;
/** Tables whose ids come from a sequence that must continue after the copied rows. */
const SEQUENCES = [
  "audit_log",
  "series",
  "batches",
  "package_changes",
  "alerts",
  "notifications",
  "log_lines",
];

/** Progress of the copy, for a progress bar. */
export interface CopyProgress {
  table: string;
  done: number;
  total: number;
}

/** Copies `sqlitePath` into `target` (migrated, empty); throws and copies nothing on any problem. */
export async function copySqliteToPostgres(
  sqlitePath: string,
  target: PostgresStore,
  onProgress: (p: CopyProgress) => void = () => {},
): Promise<Record<string, number>> {
  try {
    Deno.statSync(sqlitePath);
  } catch {
    throw new Error(`Cannot copy: ${sqlitePath} does not exist`);
  }
  const src = new DatabaseSync(sqlitePath, { readOnly: true });
  try {
    // Both schemas must be current: the tables' columns then match.
    const version = Number(
      src.prepare("SELECT MAX(version) AS v FROM schema_migrations").get()?.v ?? 0,
    );
    const current = Math.max(...(await readMigrations("sqlite")).map((m) => m.version));
    if (version !== current) {
      throw new Error(
        `Cannot copy: the SQLite file is at schema ${version}, not ${current}; run deno task migrate on it (without DATABASE_URL) first`,
      );
    }
    const [{ n }] = await target.db
      .sql`SELECT (SELECT COUNT(*) FROM hosts) + (SELECT COUNT(*) FROM users) AS n`;
    if (Number(n) > 0) {
      throw new Error("Cannot copy: the PostgreSQL database already has hosts or users");
    }

    for (const [table, column] of PARTITIONED) {
      const range = src.prepare(`SELECT MIN(${column}) AS lo, MAX(${column}) AS hi FROM ${table}`)
        .get();
      if (range?.lo !== null && range?.lo !== undefined) {
        await target.partitions.ensure(Number(range.lo), Number(range.hi), table);
      }
    }

    const counts: Record<string, number> = {};
    await target.db.sql.begin(async (tx) => {
      for (const table of TABLES) {
        const total = Number(src.prepare(`SELECT COUNT(*) AS n FROM ${table.name}`).get()!.n);
        counts[table.name] = total;
        onProgress({ table: table.name, done: 0, total });
        const rows = src.prepare(`SELECT * FROM ${table.name} ORDER BY ${table.order}`)
          .iterate() as Iterable<Row>;
        let chunk: Record<string, unknown>[] = [];
        let done = 0;
        const flush = async () => {
          if (!chunk.length) return;
          await tx`INSERT INTO ${tx(table.name)} ${tx(chunk as Record<string, never>[])}`;
          done += chunk.length;
          chunk = [];
          onProgress({ table: table.name, done, total });
        };
        for (const r of rows) {
          chunk.push(table.convert ? table.convert(r) : { ...r });
          if (chunk.length >= CHUNK) await flush();
        }
        await flush();
      }
      for (const t of SEQUENCES) {
        await tx.unsafe(
          `SELECT setval(pg_get_serial_sequence('${t}', 'id'), COALESCE((SELECT MAX(id) FROM ${t}), 0) + 1, false)`,
        );
      }
    });
    return counts;
  } finally {
    src.close();
  }
}
