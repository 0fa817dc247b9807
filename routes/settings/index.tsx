/**
 * /settings: users (add, remove, change role), the signed-in user's own
 * password, API keys (create, shown once; revoke), a link to the notification
 * channels (Alerts → Channels), and the audit log. Every
 * change is audited; only admins change anything but their own password.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { form, page } from "../../hub/http/render.tsx";
import { actorOf, requireAdmin, sessionHash, signedIn } from "../../hub/http/session.ts";
import { statusOf } from "../../hub/http/errors.ts";
import { UseCaseError } from "../../hub/usecases/errors.ts";
import { NewPasswordInput } from "../../components/Credentials.tsx";
import {
  addUser as addUserFor,
  changePassword as changePasswordOf,
  changeRole as changeRoleOf,
  removeUser as removeUserFor,
} from "../../hub/usecases/users.ts";
import { createApiKey, liveApiKey, revokeApiKey } from "../../hub/usecases/keys.ts";
import { Island } from "../../components/Island.tsx";
import { Confirm } from "../../components/Confirm.tsx";
import { AuditLog } from "../../components/AuditLog.tsx";
import CopyButton from "../../islands/CopyButton.tsx";

/** The header of a column of buttons: read out, not shown. */
function ActionsHeader() {
  return (
    <th scope="col">
      <span class="visually-hidden">Actions</span>
    </th>
  );
}

/** Renders the page, with an optional notice (success or error) on top. */
async function render(
  c: Context<AppEnv>,
  { store }: AppDeps,
  notice?: { error?: string; ok?: string; newKey?: string },
  status: 200 | ReturnType<typeof statusOf> = 200,
) {
  const me = c.var.user!;
  const admin = me.role === "admin";
  const [users, keys, audit] = await Promise.all([
    store.auth.listUsers(),
    admin ? store.auth.listApiKeys() : Promise.resolve([]),
    admin ? store.audit.list(100) : Promise.resolve([]),
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
              <ActionsHeader />
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
              Password<NewPasswordInput />
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
            New<NewPasswordInput />
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
                <ActionsHeader />
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
          <h2>Notifications</h2>
          <p>
            Where alerts are sent (Slack, e-mail, ntfy, webhooks …), whether private addresses may
            be reached, and what was delivered: <a href="/alerts/channels">Alerts → Channels</a>.
          </p>
        </section>
      )}
      {admin && (
        <section class="card">
          <h2>Operator key</h2>
          <p>
            Actions on hosts (restart a container, a unit, a named command) need a grant signed with
            an operator key kept in your browser, which hosts pin:{" "}
            <a href="/settings/operator-key">Settings → Operator key</a>.
          </p>
        </section>
      )}
      {admin && (
        <section class="card">
          <h2>Audit log</h2>
          <AuditLog entries={audit} />
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

/**
 * Runs a change and renders the page with what it did, or with why it was
 * refused; a thing that is not there (a removed user, a revoked key) is the
 * error page.
 */
async function change(
  c: Context<AppEnv>,
  deps: AppDeps,
  run: () => Promise<{ ok?: string; newKey?: string }>,
) {
  try {
    return render(c, deps, await run());
  } catch (err) {
    if (!(err instanceof UseCaseError) || err.code === "not_found") throw err;
    return render(c, deps, { error: err.message }, statusOf(err));
  }
}

/** POST /settings/users: adds a user. */
export function addUser(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const f = await form(c);
    return change(c, deps, async () => {
      const user = await addUserFor(deps, actorOf(c), {
        name: f.name ?? "",
        password: f.password ?? "",
        role: f.role,
      });
      return { ok: `Added ${user.name} (${user.role})` };
    });
  };
}

/** POST /settings/users/:id/role. */
export function changeRole(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const role = (await form(c)).role;
    return change(c, deps, async () => {
      const user = await changeRoleOf(deps, actorOf(c), c.req.param("id")!, role);
      return { ok: `${user.name} is now ${user.role}` };
    });
  };
}

/** POST /settings/users/:id/delete. */
export function removeUser(deps: AppDeps) {
  return (c: Context<AppEnv>) => {
    requireAdmin(c);
    return change(c, deps, async () => {
      const user = await removeUserFor(deps, actorOf(c), c.req.param("id")!);
      return { ok: `Removed ${user.name}` };
    });
  };
}

/** POST /settings/password: the signed-in user's own password; other sessions end. */
export function changePassword(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const f = await form(c);
    return change(c, deps, async () => {
      await changePasswordOf(deps, signedIn(c), {
        current: f.current ?? "",
        password: f.password ?? "",
        keepSessionHash: sessionHash(c) ?? undefined,
      });
      return { ok: "Password changed; your other sessions were signed out" };
    });
  };
}

/** POST /settings/apikeys: creates a key and shows it once. */
export function createKey(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const name = (await form(c)).name ?? "";
    return change(c, deps, async () => ({
      newKey: (await createApiKey(deps, actorOf(c), { name })).key,
    }));
  };
}

/** GET /settings/apikeys/:id/revoke: asks first; what uses the key stops working. */
export function revokeKeyPage(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const key = await liveApiKey(deps, c.req.param("id")!);
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
  return (c: Context<AppEnv>) => {
    requireAdmin(c);
    return change(c, deps, async () => {
      const key = await revokeApiKey(deps, actorOf(c), c.req.param("id")!);
      return { ok: `API key ${key.name} revoked` };
    });
  };
}
