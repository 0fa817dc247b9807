/**
 * What lets one piece of store code run on both dialects: SQL written once
 * with `:name` placeholders, and plans, generators that yield statements and
 * are sent back their results. A synchronous driver (SQLite, where a
 * transaction must not yield to other callers on the one connection) and an
 * asynchronous one (PostgreSQL) run the same plan.
 */

/** The SQL dialects the stores speak. */
export type Dialect = "sqlite" | "postgres";

/** A JSON value for a JSON column: text in SQLite, jsonb in PostgreSQL. */
export class Json {
  constructor(readonly value: unknown) {}
}

/** A value a statement takes. Arrays only where the statement is PostgreSQL's alone. */
export type SqlValue = number | string | boolean | null | Json | ReadonlyArray<unknown>;
export type Params = Record<string, SqlValue>;
export type Row = Record<string, unknown>;

/** One statement of a plan, and whether it answers with rows or a count of changed rows. */
export interface Statement {
  text: string;
  params: Params;
  want: "rows" | "count";
  /** False for statements PostgreSQL should not prepare (DDL, ANALYZE). */
  prepare?: false;
}

/** A store operation as statements: each yield is answered with its rows or count. */
export type Plan<T> = Generator<Statement, T, Row[] | number>;

/** Yields one statement for its rows. */
export function* rows(text: string, params: Params = {}): Plan<Row[]> {
  return (yield { text, params, want: "rows" }) as Row[];
}

/** Yields one statement for its first row, null when none. */
export function* first(text: string, params: Params = {}): Plan<Row | null> {
  return (yield* rows(text, params))[0] ?? null;
}

/** Yields one statement for the number of rows it changed. */
export function* count(text: string, params: Params = {}): Plan<number> {
  return (yield { text, params, want: "count" }) as number;
}

/** Yields a statement that takes no values and is not prepared (DDL, ANALYZE). */
export function* ddl(text: string): Plan<number> {
  return (yield { text, params: {}, want: "count", prepare: false }) as number;
}

/** The connection (or pool) of one dialect, running plans. */
export interface Db {
  readonly dialect: Dialect;
  /** Runs `plan` in one transaction: all its writes land, or none. */
  tx<T>(plan: Plan<T>): Promise<T>;
  /** Runs `plan`'s statements one at a time, each on its own (reads, single writes). */
  run<T>(plan: Plan<T>): Promise<T>;
}

/** Placeholders are `:name`; a `::type` cast is left alone. */
const PLACEHOLDER = /(?<![:\w]):([a-z_][a-z0-9_]*)/g;

/** `sql` with its `:name` placeholders numbered for the dialect, and their names in order. */
export function placeholders(d: Dialect, sql: string): { text: string; names: string[] } {
  const names: string[] = [];
  const text = sql.replace(PLACEHOLDER, (_m, name: string) => {
    names.push(name);
    return d === "sqlite" ? "?" : `$${names.length}`;
  });
  return { text, names };
}

/** The values of `names` in `params`, in order; SQLite stores booleans as 0 and 1. */
export function values(d: Dialect, names: string[], params: Params): SqlValue[] {
  return names.map((name) => {
    if (!(name in params)) throw new Error(`SQL: no value for :${name}`);
    const v = params[name];
    return d === "sqlite" && typeof v === "boolean" ? Number(v) : v;
  });
}

/**
 * Drives `plan` with a synchronous `exec`; returns what it returns. SQLite
 * runs every plan so, inside one transaction when asked.
 */
export function driveSync<T>(plan: Plan<T>, exec: (s: Statement) => Row[] | number): T {
  let step = plan.next(0);
  while (!step.done) step = plan.next(exec(step.value));
  return step.value;
}

/** Drives `plan` with an asynchronous `exec`, statement after statement. */
export async function driveAsync<T>(
  plan: Plan<T>,
  exec: (s: Statement) => Promise<Row[] | number>,
): Promise<T> {
  let step = plan.next(0);
  while (!step.done) step = plan.next(await exec(step.value));
  return step.value;
}
