/**
 * Row → application type conversions both stores share. SQLite hands back
 * JSON columns as text and PostgreSQL as values; times are Unix ms in both.
 */
import type { Host, RangeRow, User } from "./store.ts";

type Row = Record<string, unknown>;

/** Epoch milliseconds (or null) as an ISO string (or null). */
export function iso(ms: unknown): string | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
}

function json<T>(v: unknown): T {
  return (typeof v === "string" ? JSON.parse(v) : v) as T;
}

/** A `hosts` row, optionally with `latest_ts` (the newest batch's time) joined in. */
export function toHost(r: Row): Host {
  return {
    id: String(r.id),
    name: String(r.name),
    status: r.status === "online" ? "online" : "offline",
    // A batch's time counts as seen too: writeBatch does not copy it into hosts.
    last_seen: iso(
      r.latest_ts !== null && r.latest_ts !== undefined
        ? Math.max(Number(r.last_seen ?? 0), Number(r.latest_ts))
        : r.last_seen,
    ),
    created_at: iso(r.created_at)!,
    registered: r.registered_at !== null && r.registered_at !== undefined,
    tags: json<string[]>(r.tags),
    hostname: String(r.hostname),
    os: String(r.os),
    arch: String(r.arch),
    kernel: String(r.kernel),
    agent_version: String(r.agent_version),
    environment: String(r.environment),
    ips: json<string[]>(r.ips),
    interval_s: Number(r.interval_s),
    dropped_batches: Number(r.dropped_batches),
  };
}

/** A `users` row. */
export function toUser(r: Row): User {
  return {
    id: String(r.id),
    name: String(r.name),
    role: r.role === "admin" ? "admin" : "viewer",
    created_at: iso(r.created_at)!,
  };
}

/** A bucket row of a range query (host_id, t, n, avg, min, max). */
export function toRangeRow(r: Row): RangeRow {
  return {
    hostId: String(r.host_id),
    t: Number(r.t),
    n: Number(r.n),
    avg: Number(r.avg),
    min: Number(r.min),
    max: Number(r.max),
  };
}
