/** Row conversions every domain's store shares: times are Unix ms in both dialects. */

/** Epoch milliseconds (or null) as an ISO string (or null). */
export function iso(ms: unknown): string | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
}

/** A JSON column's value: text in SQLite, already parsed by PostgreSQL's driver. */
export function json<T>(v: unknown): T {
  return (typeof v === "string" ? JSON.parse(v) : v) as T;
}
