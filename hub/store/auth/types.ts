/** Who may use the dashboard and the API: users, their sessions, API keys. */
import type { AuditRecord } from "../audit/types.ts";

/** A dashboard role: admins change things, viewers look. */
export type Role = "admin" | "viewer";

/** A dashboard user. */
export interface User {
  id: string;
  name: string;
  role: Role;
  created_at: string;
}

/** A user with the scrypt hash, for sign-in only. */
export interface UserWithHash extends User {
  password_hash: string;
}

/** An API key as listed (never the key itself). */
export interface ApiKey {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/**
 * Users, sessions and API keys. A change takes an optional audit entry,
 * written in the same transaction, and only when the change is made.
 */
export interface AuthStore {
  countUsers(): Promise<number>;
  /** Adds a user; false when the name is taken (ignoring case). */
  createUser(
    u: { id: string; name: string; passwordHash: string; role: Role; createdAt: number },
    audit?: AuditRecord,
  ): Promise<boolean>;
  findUserByName(name: string): Promise<UserWithHash | null>;
  getUser(id: string): Promise<UserWithHash | null>;
  listUsers(): Promise<User[]>;
  /** Changes a user's role or password; false when there is no such user. */
  updateUser(
    id: string,
    change: { role?: Role; passwordHash?: string },
    audit?: AuditRecord,
  ): Promise<boolean>;
  /** Removes a user and their sessions; false when there was none. */
  deleteUser(id: string, audit?: AuditRecord): Promise<boolean>;

  createSession(
    s: { hash: string; userId: string; createdAt: number; expiresAt: number },
    audit?: AuditRecord,
  ): Promise<void>;
  /** The user a live session belongs to. */
  sessionUser(hash: string, now: number): Promise<User | null>;
  deleteSession(hash: string): Promise<void>;
  /** Ends a user's sessions, but for `exceptHash` (the one changing the password). */
  deleteUserSessions(userId: string, exceptHash?: string): Promise<void>;

  createApiKey(
    k: { id: string; name: string; hash: string; createdAt: number },
    audit?: AuditRecord,
  ): Promise<void>;
  /** The live (not revoked) key with this hash, marking it used. */
  useApiKey(hash: string, now: number): Promise<{ id: string; name: string } | null>;
  listApiKeys(): Promise<ApiKey[]>;
  /** Revokes a live key; false when there is none with that id. */
  revokeApiKey(id: string, now: number, audit?: AuditRecord): Promise<boolean>;
}
