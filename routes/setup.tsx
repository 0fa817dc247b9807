/**
 * GET/POST /setup?token=…: creates the first admin. The hub prints this link
 * (with a fresh one-time token) at every start while no user exists.
 */
import type { Context } from "hono";
import { checkName } from "../lib/names.ts";
import { SETUP_KEY } from "../hub/auth/setup_token.ts";
import { timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import { form, page } from "../hub/http/render.tsx";
import { startSession } from "../hub/http/session.ts";
import { hashPassword, passwordProblem } from "../hub/auth/passwords.ts";
import { hashSecret } from "../hub/auth/secrets.ts";
import { HttpError } from "../hub/http/errors.ts";
import type { Store } from "../hub/store/store.ts";

/** The settings key under which the setup token's hash is kept. */

async function checkToken(store: Store, token: string | undefined): Promise<void> {
  if ((await store.auth.countUsers()) > 0) {
    throw new HttpError(404, "not_found", "Setup is done: sign in instead");
  }
  const expected = await store.settings.get(SETUP_KEY);
  const given = Buffer.from(hashSecret(token ?? ""));
  if (!expected || !token || !timingSafeEqual(given, Buffer.from(expected))) {
    throw new HttpError(
      403,
      "bad_setup_token",
      "This setup link is not valid: use the one the hub printed at start",
    );
  }
}

function SetupForm({ token, error, name }: { token: string; error?: string; name?: string }) {
  return (
    <section class="card narrow">
      <h1>Create the admin account</h1>
      <p>This account manages hosts, users and API keys. You can add more users later.</p>
      {error && <p class="error" role="alert">{error}</p>}
      <form method="post" action={`/setup?token=${encodeURIComponent(token)}`}>
        <label>
          Name
          <input
            name="name"
            autocomplete="username"
            required
            maxLength={64}
            value={name ?? ""}
            autofocus
          />
        </label>
        <label>
          Password <small>(at least 10 characters)</small>
          <input
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minLength={10}
            maxLength={1024}
          />
        </label>
        <button type="submit" class="primary">Create admin</button>
      </form>
    </section>
  );
}

/** Shows the form when the token is right. */
export function setupPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const token = c.req.query("token");
    await checkToken(store, token);
    return page(c, "Set up", <SetupForm token={token!} />);
  };
}

/** Creates the admin, signs them in, and retires the setup token. */
export function setup({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const token = c.req.query("token");
    await checkToken(store, token);
    const f = await form(c);
    const check = checkName("user", f.name ?? "");
    const name = check.ok ? check.name : (f.name ?? "").trim();
    const problem = !check.ok ? check.problem : passwordProblem(f.password ?? "");
    if (problem) {
      return page(c, "Set up", <SetupForm token={token!} name={name} error={problem} />, {
        status: 400,
      });
    }
    const user = {
      id: crypto.randomUUID(),
      name,
      role: "admin" as const,
      created_at: new Date().toISOString(),
    };
    const at = Date.now();
    const created = await store.auth.createUser({
      id: user.id,
      name,
      passwordHash: await hashPassword(f.password),
      role: "admin",
      createdAt: at,
    }, { at, actor: name, action: "user.create", target: name, detail: "admin (setup)" });
    if (!created) throw new HttpError(409, "conflict", "That name is taken");
    await store.settings.set(SETUP_KEY, null);
    await startSession(c, store, user);
    return c.redirect("/", 303);
  };
}
