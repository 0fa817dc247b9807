/**
 * GET/POST /setup?token=…: creates the first admin. The hub prints this link
 * (with a fresh one-time token) at every start while no user exists.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import { form, page } from "../hub/http/render.tsx";
import { setSessionCookie } from "../hub/http/session.ts";
import { statusOf } from "../hub/http/errors.ts";
import { checkSetupToken, createFirstAdmin } from "../hub/usecases/setup.ts";
import { UseCaseError } from "../hub/usecases/errors.ts";
import { Credentials } from "../components/Credentials.tsx";

function SetupForm({ token, error, name }: { token: string; error?: string; name?: string }) {
  return (
    <section class="card narrow">
      <h1>Create the admin account</h1>
      <p>This account manages hosts, users and API keys. You can add more users later.</p>
      {error && <p class="error" role="alert">{error}</p>}
      <form method="post" action={`/setup?token=${encodeURIComponent(token)}`}>
        <Credentials name={name} newPassword />
        <button type="submit" class="primary">Create admin</button>
      </form>
    </section>
  );
}

/** Shows the form when the token is right. */
export function setupPage(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const token = c.req.query("token");
    await checkSetupToken(deps, token);
    return page(c, "Set up", <SetupForm token={token!} />);
  };
}

/** Creates the admin, signs them in, and retires the setup token. */
export function setup(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const token = c.req.query("token");
    const f = await form(c);
    try {
      const { sessionId } = await createFirstAdmin(deps, {
        token,
        name: f.name ?? "",
        password: f.password ?? "",
      });
      setSessionCookie(c, sessionId);
      return c.redirect("/", 303);
    } catch (err) {
      // A bad name or password goes back to the form; a wrong token is the error page.
      if (!(err instanceof UseCaseError) || !err.field) throw err;
      return page(
        c,
        "Set up",
        <SetupForm token={token!} name={(f.name ?? "").trim()} error={err.message} />,
        { status: statusOf(err) },
      );
    }
  };
}
