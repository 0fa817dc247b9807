/** Row conversions every domain's store shares: times are Unix ms in both dialects. */

/** Epoch milliseconds (or null) as an ISO string (or null). */
export function iso(ms: unknown): string | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
}
