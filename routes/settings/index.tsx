/**
 * /settings: users (add, remove, change role), the signed-in user's own
 * password, API keys (create, shown once; revoke), and the audit log. Every
 * change is audited; only admins change anything but their own password.
 */
import type { Context } from "hono";
import { checkName, lookalikeOf } from "../../lib/names.ts";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { form, page } from "../../hub/http/render.tsx";
import { requireAdmin, sessionHash } from "../../hub/http/session.ts";
import { HttpError } from "../../hub/http/errors.ts";
import { hashPassword, passwordProblem, verifyPassword } from "../../hub/auth/passwords.ts";
import { hashSecret, newApiKey } from "../../hub/auth/secrets.ts";
import type { Role } from "../../hub/store/store.ts";
import { Island } from "../../components/Island.tsx";
import { Confirm } from "../../components/Confirm.tsx";
import CopyButton from "../../islands/CopyButton.tsx";

/** Renders the page, with an optional notice (success or error) on top. */
async function render(
  c: Context<AppEnv>,
  { store }: AppDeps,
  notice?: { error?: string; ok?: string; newKey?: string },
  status: 200 | 400 | 404 | 409 = 200,
) {
  const me = c.var.user!;
  const admin = me.role === "admin";
  const [users, keys, audit] = await Promise.all([
    store.listUsers(),
    admin ? store.listApiKeys() : Promise.resolve([]),
    admin ? store.listAudit(100) : Promise.resolve([]),
  ]);
  return page(
    c,
    "Settings",
    <>
      <h1>Settings</h1>
      {notice?.error && <p class="error" role="alert">{notice.error}</p>}
      {notice?.ok && <p class="ok" role="status">{notice.ok}</p>}
      {notice?.newKey && (
        <div class="card">
          <p>New API key, shown only now:</p>
          <div class="command">
            <pre><code>{notice.newKey}</code></pre>
            <Island name="CopyButton" component={CopyButton} props={{ text: notice.newKey }} />
          </div>
        </div>
      )}
      <section class="card">
        <h2>Users</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr>
                <th scope="row">{u.name}{u.id === me.id && <small>(you)</small>}</th>
                <td>
                  {admin && u.id !== me.id
                    ? (
                      <form method="post" action={`/settings/users/${u.id}/role`} class="inline">
                        <label>
                          <span class="visually-hidden">Role of {u.name}</span>
                          <select name="role">
                            <option value="admin" selected={u.role === "admin"}>admin</option>
                            <option value="viewer" selected={u.role === "viewer"}>viewer</option>
                          </select>
                        </label>
                        <button type="submit">Change</button>
                      </form>
                    )
                    : u.role}
                </td>
                <td>
                  {admin && u.id !== me.id && (
                    <form method="post" action={`/settings/users/${u.id}/delete`} class="inline">
                      <button type="submit" class="danger">Remove</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {admin && (
          <form method="post" action="/settings/users" class="row">
            <label>
              Name<input name="name" required maxLength={64} />
            </label>
            <label>
              Password<input
                name="password"
                type="password"
                required
                minLength={10}
                autocomplete="new-password"
              />
            </label>
            <label>
              Role
              <select name="role">
                <option value="viewer">viewer</option>
                <option value="admin">admin</option>
              </select>
            </label>
            <button type="submit" class="primary">Add user</button>
          </form>
        )}
      </section>
      <section class="card">
        <h2>Your password</h2>
        <form method="post" action="/settings/password" class="row">
          <label>
            Current<input name="current" type="password" required autocomplete="current-password" />
          </label>
          <label>
            New<input
              name="password"
              type="password"
              required
              minLength={10}
              autocomplete="new-password"
            />
          </label>
          <button type="submit">Change password</button>
        </form>
      </section>
      {admin && (
        <section class="card">
          <h2>API keys</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr>
                  <th scope="row">{k.name}</th>
                  <td>{k.created_at.slice(0, 16).replace("T", " ")}</td>
                  <td>{k.last_used_at?.slice(0, 16).replace("T", " ") ?? "never"}</td>
                  <td>
                    <a class="button danger" href={`/settings/apikeys/${k.id}/revoke`}>Revoke</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <form method="post" action="/settings/apikeys" class="row">
            <label>
              Name<input name="name" required maxLength={128} />
            </label>
            <button type="submit" class="primary">Create API key</button>
          </form>
        </section>
      )}
      {admin && (
        <section class="card">
          <h2>Audit log</h2>
          <div class="table-wrap">
            <table class="audit">
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Target</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {audit.map((a) => (
                  <tr>
                    <td>{a.at.slice(0, 19).replace("T", " ")}</td>
                    <td>{a.actor}</td>
                    <td>{a.action}</td>
                    <td>{a.target}</td>
                    <td>{a.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>,
    { status, active: "settings" },
  );
}

/** GET /settings. */
export function settingsPage(deps: AppDeps) {
  return (c: Context<AppEnv>) => render(c, deps);
}

const NewUser = z.object({
  name: z.string().transform((raw, ctx) => {
    const check = checkName("user", raw);
    if (check.ok) return check.name;
    ctx.addIssue({ code: "custom", message: check.problem });
    return z.NEVER;
  }),
  password: z.string(),
  role: z.enum(["admin", "viewer"]),
});

/** POST /settings/users: adds a user. */
export function addUser(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const parsed = NewUser.safeParse(await form(c));
    if (!parsed.success) return render(c, deps, { error: parsed.error.issues[0].message }, 400);
    const { name, password, role } = parsed.data;
    const like = lookalikeOf(name, (await deps.store.listUsers()).map((u) => u.name));
    if (like) {
      return render(
        c,
        deps,
        { error: `User name: a user that looks the same exists: ${like}` },
        400,
      );
    }
    const problem = passwordProblem(password);
    if (problem) return render(c, deps, { error: problem }, 400);
    const ok = await deps.store.createUser({
      id: crypto.randomUUID(),
      name,
      passwordHash: await hashPassword(password),
      role,
      createdAt: Date.now(),
    });
    if (!ok) return render(c, deps, { error: `A user named ${name} exists` }, 409);
    await deps.store.audit({
      at: Date.now(),
      actor: c.var.user!.name,
      action: "user.create",
      target: name,
      detail: role,
    });
    return render(c, deps, { ok: `Added ${name} (${role})` });
  };
}

/** POST /settings/users/:id/role. */
export function changeRole(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const id = c.req.param("id")!;
    const role = (await form(c)).role as Role;
    if (role !== "admin" && role !== "viewer") {
      return render(c, deps, { error: "Role: admin or viewer" }, 400);
    }
    if (id === c.var.user!.id) {
      return render(c, deps, { error: "You cannot change your own role" }, 400);
    }
    const user = await deps.store.getUser(id);
    if (!user || !(await deps.store.updateUser(id, { role }))) {
      throw new HttpError(404, "not_found", "No such user");
    }
    await deps.store.audit({
      at: Date.now(),
      actor: c.var.user!.name,
      action: "user.role",
      target: user.name,
      detail: role,
    });
    return render(c, deps, { ok: `${user.name} is now ${role}` });
  };
}

/** POST /settings/users/:id/delete. */
export function removeUser(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const id = c.req.param("id")!;
    if (id === c.var.user!.id) return render(c, deps, { error: "You cannot remove yourself" }, 400);
    const user = await deps.store.getUser(id);
    if (!user || !(await deps.store.deleteUser(id))) {
      throw new HttpError(404, "not_found", "No such user");
    }
    await deps.store.audit({
      at: Date.now(),
      actor: c.var.user!.name,
      action: "user.delete",
      target: user.name,
    });
    return render(c, deps, { ok: `Removed ${user.name}` });
  };
}

/** POST /settings/password: the signed-in user's own password; other sessions end. */
export function changePassword(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const f = await form(c);
    const me = (await deps.store.getUser(c.var.user!.id))!;
    if (!(await verifyPassword(f.current ?? "", me.password_hash))) {
      return render(c, deps, { error: "The current password is wrong" }, 400);
    }
    const problem = passwordProblem(f.password ?? "");
    if (problem) return render(c, deps, { error: problem }, 400);
    await deps.store.updateUser(me.id, { passwordHash: await hashPassword(f.password) });
    await deps.store.deleteUserSessions(me.id, sessionHash(c) ?? undefined);
    await deps.store.audit({
      at: Date.now(),
      actor: me.name,
      action: "user.password",
      target: me.name,
    });
    return render(c, deps, { ok: "Password changed; your other sessions were signed out" });
  };
}

/** POST /settings/apikeys: creates a key and shows it once. */
export function createKey(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const check = checkName("key", (await form(c)).name ?? "");
    if (!check.ok) return render(c, deps, { error: check.problem }, 400);
    const name = check.name;
    const key = newApiKey();
    const id = crypto.randomUUID();
    await deps.store.createApiKey({ id, name, hash: hashSecret(key), createdAt: Date.now() });
    await deps.store.audit({
      at: Date.now(),
      actor: c.var.user!.name,
      action: "apikey.create",
      target: id,
      detail: name,
    });
    return render(c, deps, { newKey: key });
  };
}

/** GET /settings/apikeys/:id/revoke: asks first; what uses the key stops working. */
export function revokeKeyPage(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const id = c.req.param("id")!;
    const key = (await deps.store.listApiKeys()).find((k) => k.id === id);
    if (!key) throw new HttpError(404, "not_found", "No such API key");
    return page(
      c,
      `Revoke ${key.name}`,
      <Confirm
        title={`Revoke the API key ${key.name}?`}
        action={`/settings/apikeys/${key.id}/revoke`}
        confirm="Revoke key"
        cancel="/settings"
      >
        <p>
          Scripts and dashboards that use this key get 401 from then on. Last used:{" "}
          {key.last_used_at?.slice(0, 16).replace("T", " ") ?? "never"}.
        </p>
      </Confirm>,
      { active: "settings" },
    );
  };
}

/** POST /settings/apikeys/:id/revoke. */
export function revokeKey(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const id = c.req.param("id")!;
    if (!(await deps.store.revokeApiKey(id, Date.now()))) {
      throw new HttpError(404, "not_found", "No such API key");
    }
    await deps.store.audit({
      at: Date.now(),
      actor: c.var.user!.name,
      action: "apikey.revoke",
      target: id,
    });
    return render(c, deps, { ok: "API key revoked" });
  };
}
