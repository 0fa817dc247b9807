/** Tells a database that is out of reach from a query that is wrong. */

const UNAVAILABLE_CODES = new Set([
  // postgres.js connection errors
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, too many connections
  "57P01",
  "57P02",
  "57P03",
  "53300",
]);

/** True when `err` means the database cannot be reached right now (retrying may help). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown } | null;
  if (!e || typeof e !== "object") return false;
  if (typeof e.code === "string" && UNAVAILABLE_CODES.has(e.code)) return true;
  // SQLite: another connection holds the write lock past busy_timeout.
  return typeof e.message === "string" && /database is locked|SQLITE_BUSY/.test(e.message);
}
