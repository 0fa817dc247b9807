/** GET/POST /login: sign in with name and password; rate-limited per IP and per name. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import { form, page } from "../hub/http/render.tsx";
import { startSession } from "../hub/http/session.ts";
import { verifyPassword } from "../hub/auth/passwords.ts";
import { LoginGuard } from "../hub/auth/rate_limit.ts";

const SELF = "http://sightline.invalid";

/**
 * Where to go after signing in: a path of this hub, as a browser would read
 * it (a URL parser drops tabs and newlines, so "/\t/evil.example/" is
 * "//evil.example/", another origin); anything else goes home.
 */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(next, SELF);
  } catch {
    return "/";
  }
  return url.origin === SELF ? url.pathname + url.search + url.hash : "/";
}

function LoginForm({ next, error, name }: { next: string; error?: string; name?: string }) {
  return (
    <section class="card narrow">
      <h1>Sign in</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <form method="post" action="/login">
        <input type="hidden" name="next" value={next} />
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
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            maxLength={1024}
          />
        </label>
        <button type="submit" class="primary">Sign in</button>
      </form>
    </section>
  );
}

/** Shows the sign-in form (or goes home when already signed in). */
export function loginPage() {
  return (c: Context<AppEnv>) => {
    if (c.var.user) return c.redirect("/");
    return page(c, "Sign in", <LoginForm next={safeNext(c.req.query("next"))} />);
  };
}

/** Checks the password, starts a session, and goes where the user was headed. */
export function login({ store, loginGuard = new LoginGuard() }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const f = await form(c);
    const name = (f.name ?? "").trim().slice(0, 64);
    const next = safeNext(f.next);
    // The peer address, not X-Forwarded-For: a client could write anything there.
    const ip = (c.env as { remoteAddr?: { hostname: string } } | undefined)?.remoteAddr?.hostname ??
      "unknown";
    // Counted now, before the password check, so parallel attempts count too.
    const startedAt = Date.now();
    const wait = loginGuard.begin(ip, name, startedAt);
    if (wait > 0) {
      c.header("Retry-After", String(Math.ceil(wait / 1000)));
      return page(
        c,
        "Sign in",
        <LoginForm
          next={next}
          name={name}
          error="Too many attempts. Try again in a few minutes."
        />,
        {
          status: 429,
        },
      );
    }
    const user = name ? await store.auth.findUserByName(name) : null;
    if (!user || !(await verifyPassword(f.password ?? "", user.password_hash))) {
      return page(
        c,
        "Sign in",
        <LoginForm next={next} name={name} error="Wrong name or password." />,
        {
          status: 401,
        },
      );
    }
    loginGuard.succeeded(ip, name, startedAt);
    await startSession(c, store, user, { at: Date.now(), actor: user.name, action: "user.login" });
    return c.redirect(next, 303);
  };
}
