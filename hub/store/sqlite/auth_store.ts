/** Users, sessions, API keys, the audit log and settings in SQLite. */
import type { ApiKey, AuditEntry, Role, User, UserWithHash } from "../store.ts";
import { iso, toUser } from "../rows.ts";
import { SqliteBase } from "./base.ts";

/** The dashboard's half of the SQLite store. */
export class SqliteAuthStore extends SqliteBase {
  countUsers(): Promise<number> {
    return Promise.resolve(Number(this.q("SELECT COUNT(*) AS n FROM users").get()!.n));
  }

  createUser(
    u: { id: string; name: string; passwordHash: string; role: Role; createdAt: number },
  ): Promise<boolean> {
    const res = this.q(
      `INSERT INTO users (id, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (name) DO NOTHING`,
    ).run(u.id, u.name, u.passwordHash, u.role, u.createdAt);
    return Promise.resolve(Number(res.changes) > 0);
  }

  findUserByName(name: string): Promise<UserWithHash | null> {
    const r = this.q("SELECT * FROM users WHERE name = ?").get(name);
    return Promise.resolve(r ? { ...toUser(r), password_hash: String(r.password_hash) } : null);
  }

  getUser(id: string): Promise<UserWithHash | null> {
    const r = this.q("SELECT * FROM users WHERE id = ?").get(id);
    return Promise.resolve(r ? { ...toUser(r), password_hash: String(r.password_hash) } : null);
  }

  listUsers(): Promise<User[]> {
    return Promise.resolve(this.q("SELECT * FROM users ORDER BY name").all().map(toUser));
  }

  updateUser(id: string, change: { role?: Role; passwordHash?: string }): Promise<boolean> {
    return Promise.resolve(this.tx(() => {
      let changed = 0;
      if (change.role) {
        changed += Number(
          this.q("UPDATE users SET role = ? WHERE id = ?").run(change.role, id).changes,
        );
      }
      if (change.passwordHash) {
        changed += Number(
          this.q("UPDATE users SET password_hash = ? WHERE id = ?").run(change.passwordHash, id)
            .changes,
        );
      }
      return changed > 0;
    }));
  }

  deleteUser(id: string): Promise<boolean> {
    return Promise.resolve(Number(this.q("DELETE FROM users WHERE id = ?").run(id).changes) > 0);
  }

  createSession(
    s: { hash: string; userId: string; createdAt: number; expiresAt: number },
  ): Promise<void> {
    this.q("INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
      .run(s.hash, s.userId, s.createdAt, s.expiresAt);
    return Promise.resolve();
  }

  sessionUser(hash: string, now: number): Promise<User | null> {
    const r = this.q(`SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.hash = ? AND s.expires_at > ?`).get(hash, now);
    return Promise.resolve(r ? toUser(r) : null);
  }

  deleteSession(hash: string): Promise<void> {
    this.q("DELETE FROM sessions WHERE hash = ?").run(hash);
    return Promise.resolve();
  }

  deleteUserSessions(userId: string, exceptHash?: string): Promise<void> {
    this.q("DELETE FROM sessions WHERE user_id = ? AND hash != ?").run(userId, exceptHash ?? "");
    return Promise.resolve();
  }

  audit(
    e: { at: number; actor: string; action: string; target?: string; detail?: string },
  ): Promise<void> {
    this.q("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")
      .run(e.at, e.actor, e.action, e.target ?? "", e.detail ?? "");
    return Promise.resolve();
  }

  listAudit(limit: number): Promise<AuditEntry[]> {
    return Promise.resolve(
      this.q("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?").all(limit).map((r) => ({
        id: Number(r.id),
        at: iso(r.at as number)!,
        actor: String(r.actor),
        action: String(r.action),
        target: String(r.target),
        detail: String(r.detail),
      })),
    );
  }

  getSetting(key: string): Promise<string | null> {
    const r = this.q("SELECT value FROM settings WHERE key = ?").get(key);
    return Promise.resolve(r ? String(r.value) : null);
  }

  setSetting(key: string, value: string | null): Promise<void> {
    if (value === null) this.q("DELETE FROM settings WHERE key = ?").run(key);
    else {
      this.q(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      )
        .run(key, value);
    }
    return Promise.resolve();
  }

  createApiKey(k: { id: string; name: string; hash: string; createdAt: number }): Promise<void> {
    this.q("INSERT INTO api_keys (id, name, hash, created_at) VALUES (?, ?, ?, ?)")
      .run(k.id, k.name, k.hash, k.createdAt);
    return Promise.resolve();
  }

  listApiKeys(): Promise<ApiKey[]> {
    return Promise.resolve(
      this.q("SELECT * FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at").all().map((
        r,
      ) => ({
        id: String(r.id),
        name: String(r.name),
        created_at: iso(r.created_at as number)!,
        last_used_at: iso(r.last_used_at as number | null),
      })),
    );
  }

  revokeApiKey(id: string, now: number): Promise<boolean> {
    const res = this.q("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
      .run(now, id);
    return Promise.resolve(Number(res.changes) > 0);
  }

  useApiKey(hash: string, now: number): Promise<{ id: string; name: string } | null> {
    const row = this.q(
      "SELECT id, name, last_used_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL",
    )
      .get(hash);
    if (!row) return Promise.resolve(null);
    // A write per request would contend with ingest; a minute's precision is plenty.
    if (now - Number(row.last_used_at ?? 0) > 60_000) {
      this.q("UPDATE api_keys SET last_used_at = ? WHERE id = ?").run(now, row.id);
    }
    return Promise.resolve({ id: String(row.id), name: String(row.name) });
  }
}
