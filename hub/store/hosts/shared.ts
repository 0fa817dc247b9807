/**
 * Hosts on either dialect. The SQL agrees but for two spots: PostgreSQL locks
 * the token row it checks (SQLite's write transaction already excludes every
 * other writer), and writes a status flush as one statement over arrays.
 */
import { count, type Db, first, Json, type Plan, type Row, rows } from "../sql.ts";
import { iso, json } from "../rows.ts";
import { writeAudit } from "../audit/shared.ts";
import type { AuditRecord } from "../audit/types.ts";
import { TIME_TABLES } from "../tiers.ts";
import { lockLease } from "../leases/shared.ts";
import { ROLLUP_LEASE } from "../history/types.ts";
import {
  type Host,
  type HostInfo,
  type HostStore,
  type NewHost,
  type RegisterOutcome,
  type StatusUpdate,
  UNNAMED_HOST,
} from "./types.ts";

/** Hosts with the time of their newest batch, which writeBatch does not copy into hosts. */
const HOST_SELECT =
  "SELECT h.*, l.ts AS latest_ts FROM hosts h LEFT JOIN host_latest l ON l.host_id = h.id";

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

/** {@link HostStore} on one database. */
export class SqlHostStore implements HostStore {
  /**
   * `forget` drops what the connection cached about a removed host (the
   * metrics store's series ids).
   */
  constructor(private readonly db: Db, private readonly forget: (hostId: string) => void) {}

  create(t: NewHost, audit?: AuditRecord): Promise<Host> {
    return this.db.tx(function* () {
      yield* count("INSERT INTO hosts (id, name, created_at) VALUES (:id, :name, :at)", {
        id: t.hostId,
        name: t.name ?? UNNAMED_HOST,
        at: t.createdAt,
      });
      yield* count(
        `INSERT INTO registration_tokens (hash, name, created_at, expires_at, host_id,
          name_from_agent) VALUES (:hash, :name, :at, :expires, :id, :from_agent)`,
        {
          hash: t.tokenHash,
          name: t.name,
          at: t.createdAt,
          expires: t.expiresAt,
          id: t.hostId,
          from_agent: t.name === null,
        },
      );
      yield* writeAudit(audit);
      return toHost((yield* first("SELECT * FROM hosts WHERE id = :id", { id: t.hostId }))!);
    }());
  }

  register(
    tokenHash: string,
    agent: { fallbackName: string; now: number },
  ): Promise<RegisterOutcome> {
    const lock = this.db.dialect === "postgres" ? "FOR UPDATE" : "";
    return this.db.tx(function* (): Plan<RegisterOutcome> {
      const t = yield* first(
        `SELECT host_id, name_from_agent, expires_at, used_at
        FROM registration_tokens WHERE hash = :hash ${lock}`,
        { hash: tokenHash },
      );
      if (!t) return { ok: false, reason: "unknown" };
      if (t.used_at !== null) return { ok: false, reason: "used" };
      if (Number(t.expires_at) <= agent.now) return { ok: false, reason: "expired" };
      if (t.host_id === null) return { ok: false, reason: "unknown" }; // its host was removed
      yield* count("UPDATE registration_tokens SET used_at = :now WHERE hash = :hash", {
        now: agent.now,
        hash: tokenHash,
      });
      // A new generation: an agent registered before under this host stops working.
      const [h] = yield* rows(
        `UPDATE hosts SET registered_at = :now, key_generation = key_generation + 1,
        name = CASE WHEN :from_agent THEN :name ELSE name END WHERE id = :id RETURNING *`,
        {
          now: agent.now,
          from_agent: Boolean(Number(t.name_from_agent)),
          name: agent.fallbackName,
          id: String(t.host_id),
        },
      );
      return { ok: true, host: toHost(h), keyGeneration: Number(h.key_generation) };
    }());
  }

  renewToken(
    hostId: string,
    t: { tokenHash: string; createdAt: number; expiresAt: number },
    audit?: AuditRecord,
  ): Promise<boolean> {
    return this.db.tx(function* () {
      // Whether the agent names the host carries over from the token it replaces.
      const old = yield* first(
        `SELECT name, name_from_agent FROM registration_tokens WHERE host_id = :id
        ORDER BY created_at DESC LIMIT 1`,
        { id: hostId },
      );
      const fromAgent = old ? Boolean(Number(old.name_from_agent)) : false;
      // The unused tokens go first: a registration with one of them either
      // committed already (it is used, so kept, and the check below sees the
      // host registered) or waits for this transaction and then finds it gone.
      yield* count("DELETE FROM registration_tokens WHERE host_id = :id AND used_at IS NULL", {
        id: hostId,
      });
      const host = yield* first(
        "SELECT name FROM hosts WHERE id = :id AND registered_at IS NULL",
        { id: hostId },
      );
      if (!host) return false;
      yield* count(
        `INSERT INTO registration_tokens (hash, name, created_at, expires_at, host_id,
          name_from_agent) VALUES (:hash, :name, :at, :expires, :id, :from_agent)`,
        {
          hash: t.tokenHash,
          name: fromAgent ? null : String(host.name),
          at: t.createdAt,
          expires: t.expiresAt,
          id: hostId,
          from_agent: fromAgent,
        },
      );
      yield* writeAudit(audit);
      return true;
    }());
  }

  setTags(id: string, tags: string[], audit?: AuditRecord): Promise<boolean> {
    return this.db.tx(function* () {
      const changed = yield* count("UPDATE hosts SET tags = :tags WHERE id = :id", {
        tags: new Json(tags),
        id,
      });
      if (changed > 0) yield* writeAudit(audit);
      return changed > 0;
    }());
  }

  async remove(id: string, audit?: AuditRecord): Promise<boolean> {
    const removed = await this.db.tx(function* () {
      // A rollup run in flight on another hub may be writing this host's
      // buckets, and with no foreign key nothing would remove them after:
      // wait for it to commit (it holds the rollup lease's row).
      yield* lockLease(ROLLUP_LEASE);
      // The time tables have no foreign key (it would slow every write).
      for (const table of TIME_TABLES) {
        yield* count(
          `DELETE FROM ${table} WHERE series_id IN (SELECT id FROM series WHERE host_id = :id)`,
          { id },
        );
      }
      const n = yield* count("DELETE FROM hosts WHERE id = :id", { id });
      if (n > 0) yield* writeAudit(audit);
      return n > 0;
    }());
    this.forget(id);
    return removed;
  }

  list(): Promise<Host[]> {
    return this.db.run(function* () {
      return (yield* rows(`${HOST_SELECT} ORDER BY h.name, h.id`)).map(toHost);
    }());
  }

  get(id: string): Promise<Host | null> {
    return this.db.run(function* () {
      const r = yield* first(`${HOST_SELECT} WHERE h.id = :id`, { id });
      return r ? toHost(r) : null;
    }());
  }

  keyGeneration(id: string): Promise<number | null> {
    return this.db.run(function* () {
      const r = yield* first(
        "SELECT key_generation FROM hosts WHERE id = :id AND registered_at IS NOT NULL",
        { id },
      );
      return r ? Number(r.key_generation) : null;
    }());
  }

  updateInfo(id: string, info: HostInfo, now: number): Promise<void> {
    return this.db.run(function* () {
      yield* count(
        `UPDATE hosts SET hostname = :hostname, os = :os, arch = :arch, kernel = :kernel,
        agent_version = :agent_version, environment = :environment, ips = :ips,
        interval_s = :interval_s, dropped_batches = :dropped_batches, last_seen = :now
        WHERE id = :id`,
        { ...info, ips: new Json(info.ips), now, id },
      );
    }());
  }

  syncStatus(updates: StatusUpdate[]): Promise<void> {
    if (updates.length === 0) return Promise.resolve();
    if (this.db.dialect === "postgres") {
      // Thousands of hosts change at once when a hub dies: one statement.
      return this.db.run(function* () {
        yield* count(
          `UPDATE hosts SET status = u.status, dropped_batches = u.dropped,
            last_seen = GREATEST(COALESCE(hosts.last_seen, 0), COALESCE(u.seen, 0))
          FROM unnest(:ids::text[], :statuses::text[], :seen::bigint[], :dropped::bigint[])
            AS u(id, status, seen, dropped)
          WHERE hosts.id = u.id`,
          {
            ids: updates.map((u) => u.id),
            statuses: updates.map((u) => u.status),
            seen: updates.map((u) => u.lastSeenMs),
            dropped: updates.map((u) => u.droppedBatches),
          },
        );
      }());
    }
    return this.db.tx(function* () {
      for (const u of updates) {
        yield* count(
          `UPDATE hosts SET status = :status, dropped_batches = :dropped,
          last_seen = MAX(COALESCE(last_seen, 0), COALESCE(:seen, 0)) WHERE id = :id`,
          { status: u.status, dropped: u.droppedBatches, seen: u.lastSeenMs, id: u.id },
        );
      }
    }());
  }
}
