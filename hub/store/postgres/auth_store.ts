/** Users, sessions, API keys, the audit log and settings in PostgreSQL. */
import type postgres from "postgres";
import type { ApiKey, AuditEntry, Role, User, UserWithHash } from "../store.ts";
import { iso, toUser } from "../rows.ts";

/** The dashboard's half of the PostgreSQL store. */
export class PostgresAuthStore {
  constructor(readonly sql: postgres.Sql) {}

  async createApiKey(
    k: { id: string; name: string; hash: string; createdAt: number },
  ): Promise<void> {
    await this
      .sql`INSERT INTO api_keys (id, name, hash, created_at) VALUES (${k.id}, ${k.name}, ${k.hash}, ${k.createdAt})`;
  }

  async useApiKey(hash: string, now: number): Promise<{ id: string; name: string } | null> {
    const [r] = await this
      .sql`SELECT id, name, last_used_at FROM api_keys WHERE hash = ${hash} AND revoked_at IS NULL`;
    if (!r) return null;
    if (now - Number(r.last_used_at ?? 0) > 60_000) {
      await this.sql`UPDATE api_keys SET last_used_at = ${now} WHERE id = ${r.id}`;
    }
    return { id: String(r.id), name: String(r.name) };
  }

  async listApiKeys(): Promise<ApiKey[]> {
    const rows = await this
      .sql`SELECT * FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at`;
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      created_at: iso(r.created_at)!,
      last_used_at: iso(r.last_used_at),
    }));
  }

  async revokeApiKey(id: string, now: number): Promise<boolean> {
    return (await this
      .sql`UPDATE api_keys SET revoked_at = ${now} WHERE id = ${id} AND revoked_at IS NULL`).count >
      0;
  }

  async countUsers(): Promise<number> {
    const [r] = await this.sql`SELECT COUNT(*) AS n FROM users`;
    return Number(r.n);
  }

  async createUser(
    u: { id: string; name: string; passwordHash: string; role: Role; createdAt: number },
  ): Promise<boolean> {
    const res = await this.sql`INSERT INTO users (id, name, password_hash, role, created_at)
      VALUES (${u.id}, ${u.name}, ${u.passwordHash}, ${u.role}, ${u.createdAt}) ON CONFLICT DO NOTHING`;
    return res.count > 0;
  }

  async findUserByName(name: string): Promise<UserWithHash | null> {
    const [r] = await this.sql`SELECT * FROM users WHERE lower(name) = lower(${name})`;
    return r ? { ...toUser(r), password_hash: String(r.password_hash) } : null;
  }

  async getUser(id: string): Promise<UserWithHash | null> {
    const [r] = await this.sql`SELECT * FROM users WHERE id = ${id}`;
    return r ? { ...toUser(r), password_hash: String(r.password_hash) } : null;
  }

  async listUsers(): Promise<User[]> {
    return (await this.sql`SELECT * FROM users ORDER BY lower(name)`).map(toUser);
  }

  async updateUser(id: string, change: { role?: Role; passwordHash?: string }): Promise<boolean> {
    const res = await this.sql`UPDATE users SET role = COALESCE(${change.role ?? null}, role),
      password_hash = COALESCE(${change.passwordHash ?? null}, password_hash) WHERE id = ${id}`;
    return res.count > 0;
  }

  async deleteUser(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM users WHERE id = ${id}`).count > 0;
  }

  async createSession(
    s: { hash: string; userId: string; createdAt: number; expiresAt: number },
  ): Promise<void> {
    await this.sql`INSERT INTO sessions (hash, user_id, created_at, expires_at)
      VALUES (${s.hash}, ${s.userId}, ${s.createdAt}, ${s.expiresAt})`;
  }

  async sessionUser(hash: string, now: number): Promise<User | null> {
    const [r] = await this.sql`SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.hash = ${hash} AND s.expires_at > ${now}`;
    return r ? toUser(r) : null;
  }

  async deleteSession(hash: string): Promise<void> {
    await this.sql`DELETE FROM sessions WHERE hash = ${hash}`;
  }

  async deleteUserSessions(userId: string, exceptHash?: string): Promise<void> {
    await this.sql`DELETE FROM sessions WHERE user_id = ${userId} AND hash != ${exceptHash ?? ""}`;
  }

  async audit(
    e: { at: number; actor: string; action: string; target?: string; detail?: string },
  ): Promise<void> {
    await this.sql`INSERT INTO audit_log (at, actor, action, target, detail)
      VALUES (${e.at}, ${e.actor}, ${e.action}, ${e.target ?? ""}, ${e.detail ?? ""})`;
  }

  async listAudit(limit: number): Promise<AuditEntry[]> {
    const rows = await this.sql`SELECT * FROM audit_log ORDER BY id DESC LIMIT ${limit}`;
    return rows.map((r) => ({
      id: Number(r.id),
      at: iso(r.at)!,
      actor: String(r.actor),
      action: String(r.action),
      target: String(r.target),
      detail: String(r.detail),
    }));
  }

  async getSetting(key: string): Promise<string | null> {
    const [r] = await this.sql`SELECT value FROM settings WHERE key = ${key}`;
    return r ? String(r.value) : null;
  }

  async setSetting(key: string, value: string | null): Promise<void> {
    if (value === null) await this.sql`DELETE FROM settings WHERE key = ${key}`;
    else {
      await this.sql`INSERT INTO settings (key, value) VALUES (${key}, ${value})
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;
    }
  }
}
