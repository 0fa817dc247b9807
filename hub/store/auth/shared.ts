/**
 * Users, sessions and API keys on either dialect: the SQL agrees. Names are
 * compared and sorted by lower(name), which both spell alike (and SQLite's
 * NOCASE column and PostgreSQL's unique index on lower(name) keep unique).
 */
import { count, type Db, first, type Params, type Plan, type Row, rows } from "../sql.ts";
import { iso } from "../rows.ts";
import { writeAudit } from "../audit/shared.ts";
import type { AuditRecord } from "../audit/types.ts";
import type { ApiKey, AuthStore, Role, User, UserWithHash } from "./types.ts";

/** A `users` row. */
export function toUser(r: Row): User {
  return {
    id: String(r.id),
    name: String(r.name),
    role: r.role === "admin" ? "admin" : "viewer",
    created_at: iso(r.created_at)!,
  };
}

function withHash(r: Row | null): UserWithHash | null {
  return r ? { ...toUser(r), password_hash: String(r.password_hash) } : null;
}

/** Runs `change`, then writes `audit` in the same transaction if it changed a row. */
function* audited(change: Plan<number>, audit: AuditRecord | undefined): Plan<boolean> {
  const changed = yield* change;
  if (changed > 0) yield* writeAudit(audit);
  return changed > 0;
}

/** {@link AuthStore} on one database. */
export class SqlAuthStore implements AuthStore {
  constructor(private readonly db: Db) {}

  countUsers(): Promise<number> {
    return this.db.run(function* () {
      return Number((yield* first("SELECT COUNT(*) AS n FROM users"))!.n);
    }());
  }

  createUser(
    u: { id: string; name: string; passwordHash: string; role: Role; createdAt: number },
    audit?: AuditRecord,
  ): Promise<boolean> {
    return this.db.tx(audited(
      count(
        `INSERT INTO users (id, name, password_hash, role, created_at)
        VALUES (:id, :name, :hash, :role, :at) ON CONFLICT DO NOTHING`,
        { id: u.id, name: u.name, hash: u.passwordHash, role: u.role, at: u.createdAt },
      ),
      audit,
    ));
  }

  findUserByName(name: string): Promise<UserWithHash | null> {
    return this.db.run(function* () {
      return withHash(
        yield* first("SELECT * FROM users WHERE lower(name) = lower(:name)", { name }),
      );
    }());
  }

  getUser(id: string): Promise<UserWithHash | null> {
    return this.db.run(function* () {
      return withHash(yield* first("SELECT * FROM users WHERE id = :id", { id }));
    }());
  }

  listUsers(): Promise<User[]> {
    return this.db.run(function* () {
      return (yield* rows("SELECT * FROM users ORDER BY lower(name)")).map(toUser);
    }());
  }

  updateUser(
    id: string,
    change: { role?: Role; passwordHash?: string },
    audit?: AuditRecord,
  ): Promise<boolean> {
    return this.db.tx(audited(
      count(
        `UPDATE users SET role = COALESCE(:role, role),
        password_hash = COALESCE(:hash, password_hash) WHERE id = :id`,
        { id, role: change.role ?? null, hash: change.passwordHash ?? null },
      ),
      audit,
    ));
  }

  deleteUser(id: string, audit?: AuditRecord): Promise<boolean> {
    return this.db.tx(audited(count("DELETE FROM users WHERE id = :id", { id }), audit));
  }

  /** Inserts one row and its audit entry, in one transaction. */
  async #insert(text: string, params: Params, audit: AuditRecord | undefined): Promise<void> {
    await this.db.tx(audited(count(text, params), audit));
  }

  createSession(
    s: { hash: string; userId: string; createdAt: number; expiresAt: number },
    audit?: AuditRecord,
  ): Promise<void> {
    return this.#insert(
      `INSERT INTO sessions (hash, user_id, created_at, expires_at)
      VALUES (:hash, :user, :at, :expires)`,
      { hash: s.hash, user: s.userId, at: s.createdAt, expires: s.expiresAt },
      audit,
    );
  }

  sessionUser(hash: string, now: number): Promise<User | null> {
    return this.db.run(function* () {
      const r = yield* first(
        `SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.hash = :hash AND s.expires_at > :now`,
        { hash, now },
      );
      return r ? toUser(r) : null;
    }());
  }

  deleteSession(hash: string): Promise<void> {
    return this.db.run(function* () {
      yield* count("DELETE FROM sessions WHERE hash = :hash", { hash });
    }());
  }

  deleteUserSessions(userId: string, exceptHash?: string): Promise<void> {
    return this.db.run(function* () {
      yield* count("DELETE FROM sessions WHERE user_id = :user AND hash != :except", {
        user: userId,
        except: exceptHash ?? "",
      });
    }());
  }

  createApiKey(
    k: { id: string; name: string; hash: string; createdAt: number },
    audit?: AuditRecord,
  ): Promise<void> {
    return this.#insert(
      "INSERT INTO api_keys (id, name, hash, created_at) VALUES (:id, :name, :hash, :at)",
      { id: k.id, name: k.name, hash: k.hash, at: k.createdAt },
      audit,
    );
  }

  useApiKey(hash: string, now: number): Promise<{ id: string; name: string } | null> {
    return this.db.run(function* () {
      const r = yield* first(
        "SELECT id, name, last_used_at FROM api_keys WHERE hash = :hash AND revoked_at IS NULL",
        { hash },
      );
      if (!r) return null;
      // A write per request would contend with ingest; a minute's precision is plenty.
      if (now - Number(r.last_used_at ?? 0) > 60_000) {
        yield* count("UPDATE api_keys SET last_used_at = :now WHERE id = :id", {
          now,
          id: String(r.id),
        });
      }
      return { id: String(r.id), name: String(r.name) };
    }());
  }

  listApiKeys(): Promise<ApiKey[]> {
    return this.db.run(function* () {
      const found = yield* rows(
        "SELECT * FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at",
      );
      return found.map((r) => ({
        id: String(r.id),
        name: String(r.name),
        created_at: iso(r.created_at)!,
        last_used_at: iso(r.last_used_at),
      }));
    }());
  }

  revokeApiKey(id: string, now: number, audit?: AuditRecord): Promise<boolean> {
    return this.db.tx(audited(
      count("UPDATE api_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL", {
        now,
        id,
      }),
      audit,
    ));
  }
}
