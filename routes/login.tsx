/** GET/POST /login: sign in with name and password; rate-limited per IP and per name. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import { form, page } from "../hub/http/render.tsx";
import { setSessionCookie } from "../hub/http/session.ts";
import { LoginGuard } from "../hub/auth/rate_limit.ts";
import { statusOf } from "../hub/http/errors.ts";
import { signIn } from "../hub/usecases/sessions.ts";
import { UseCaseError } from "../hub/usecases/errors.ts";
import { Credentials } from "../components/Credentials.tsx";

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
        <Credentials name={name} />
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
    const next = safeNext(f.next);
    // The peer address, not X-Forwarded-For: a client could write anything there.
    const address =
      (c.env as { remoteAddr?: { hostname: string } } | undefined)?.remoteAddr?.hostname ??
        "unknown";
    try {
      const { sessionId } = await signIn({ store, loginGuard }, {
        name: f.name ?? "",
        password: f.password ?? "",
        address,
      });
      setSessionCookie(c, sessionId);
      return c.redirect(next, 303);
    } catch (err) {
      if (!(err instanceof UseCaseError)) throw err;
      if (err.retryAfterMs) c.header("Retry-After", String(Math.ceil(err.retryAfterMs / 1000)));
      const name = (f.name ?? "").trim().slice(0, 64);
      return page(c, "Sign in", <LoginForm next={next} name={name} error={err.message} />, {
        status: statusOf(err),
      });
    }
  };
}
