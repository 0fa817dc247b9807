/**
 * Dashboard users: added (from Settings, the CLI, or as the first admin at
 * setup), given another role, removed, and their own password changed. A
 * name follows lib/names.ts and may not look like another user's; a password
 * follows hub/auth/passwords.ts.
 */
import { checkName, lookalikeOf } from "../../lib/names.ts";
import type { Store } from "../store/store.ts";
import type { Role, User, UserWithHash } from "../store/auth/types.ts";
import { hashPassword, passwordProblem, verifyPassword } from "../auth/passwords.ts";
import { type Actor, auditEntry, type UserActor } from "./actor.ts";
import { UseCaseError } from "./errors.ts";

/** What the user use cases need. */
export interface UserDeps {
  store: Pick<Store, "auth">;
}

/** The role as given, if it is one. */
function checkRole(role: unknown): Role {
  if (role === "admin" || role === "viewer") return role;
  throw new UseCaseError("invalid_role", "Role: admin or viewer", { field: "role" });
}

function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new UseCaseError("invalid_password", problem, { field: "password" });
}

/** A new user as given: name, password and role, unchecked. */
export interface NewUser {
  name: string;
  password: string;
  role: unknown;
}

/**
 * Adds a user. The actor "self" is the new user (the first admin, at setup);
 * `detail` is what the audit entry says instead of the role. Everything is
 * checked before the password is hashed, so a refusal is quick.
 */
export async function addUser(
  { store }: UserDeps,
  actor: Actor | "self",
  input: NewUser,
  detail?: string,
): Promise<User> {
  const check = checkName("user", input.name);
  if (!check.ok) throw new UseCaseError("invalid_name", check.problem, { field: "name" });
  const name = check.name;
  const role = checkRole(input.role);
  checkPassword(input.password);
  const like = lookalikeOf(name, (await store.auth.listUsers()).map((u) => u.name));
  if (like) {
    // The same name in another case is taken; another spelling that looks alike is refused.
    throw like.toLowerCase() === name.toLowerCase()
      ? new UseCaseError("name_taken", `A user named ${like} exists`, { field: "name" })
      : new UseCaseError(
        "lookalike_name",
        `User name: a user that looks the same exists: ${like}`,
        { field: "name" },
      );
  }
  const user: User = { id: crypto.randomUUID(), name, role, created_at: "" };
  const by: Actor = actor === "self" ? { kind: "user", id: user.id, name } : actor;
  const at = Date.now();
  const created = await store.auth.createUser(
    { id: user.id, name, passwordHash: await hashPassword(input.password), role, createdAt: at },
    auditEntry(by, "user.create", user, detail ?? role, at),
  );
  // Someone took the name while the password was hashed.
  if (!created) {
    throw new UseCaseError("name_taken", `A user named ${name} exists`, { field: "name" });
  }
  return { ...user, created_at: new Date(at).toISOString() };
}

/** The user, or a not_found refusal. */
async function existing({ store }: UserDeps, id: string): Promise<UserWithHash> {
  const user = await store.auth.getUser(id);
  if (!user) throw new UseCaseError("not_found", "No such user");
  return user;
}

/** A user may not do `what` to their own account (and lock the hub out of admins). */
function notSelf(actor: Actor, id: string, what: string): void {
  if (actor.kind === "user" && actor.id === id) {
    throw new UseCaseError("own_account", `You cannot ${what}`);
  }
}

/** Gives a user another role; returns the user as changed. */
export async function changeRole(
  deps: UserDeps,
  actor: Actor,
  id: string,
  role: unknown,
): Promise<User> {
  const checked = checkRole(role);
  notSelf(actor, id, "change your own role");
  const user = await existing(deps, id);
  const audit = auditEntry(actor, "user.role", user, checked);
  if (!(await deps.store.auth.updateUser(id, { role: checked }, audit))) {
    throw new UseCaseError("not_found", "No such user");
  }
  return { id, name: user.name, role: checked, created_at: user.created_at };
}

/** Removes a user and their sessions; returns who it was. */
export async function removeUser(deps: UserDeps, actor: Actor, id: string): Promise<User> {
  notSelf(actor, id, "remove yourself");
  const user = await existing(deps, id);
  if (!(await deps.store.auth.deleteUser(id, auditEntry(actor, "user.delete", user)))) {
    throw new UseCaseError("not_found", "No such user");
  }
  return { id, name: user.name, role: user.role, created_at: user.created_at };
}

/**
 * Changes the signed-in user's own password, given the current one; ends
 * their other sessions (all but `keepSessionHash`, the one asking).
 */
export async function changePassword(
  deps: UserDeps,
  actor: UserActor,
  input: { current: string; password: string; keepSessionHash?: string },
): Promise<void> {
  const me = await existing(deps, actor.id);
  if (!(await verifyPassword(input.current, me.password_hash))) {
    throw new UseCaseError("wrong_password", "The current password is wrong", {
      field: "current",
    });
  }
  checkPassword(input.password);
  await deps.store.auth.updateUser(
    me.id,
    { passwordHash: await hashPassword(input.password) },
    auditEntry(actor, "user.password", me),
  );
  await deps.store.auth.deleteUserSessions(me.id, input.keepSessionHash);
}
