/** The HTML shell every page shares: head, header with navigation, main. */
import type { MiddlewareHandler } from "hono";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import type { LayoutProps } from "../hub/http/render.tsx";
import { Island } from "../components/Island.tsx";
import AlertCount from "../islands/AlertCount.tsx";
import { type FiringCounts, firingCounts } from "../lib/alerts/counts.ts";

/**
 * Wraps a page. `user` is null on sign-in and setup pages. `alerts` is the
 * fleet's firing alerts counted for the navigation (see {@link withAlertCounts});
 * without it the count is read once the page has loaded.
 */
export function App(
  { title, user, children, active, alerts = null }: LayoutProps & { alerts?: FiringCounts | null },
) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${title} · Sightline`}</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        {/* Not deferred: it sets the theme before the first paint. */}
        <script src="/static/theme.js" />
        <link rel="stylesheet" href="/static/vendor/uplot.css" />
        <link rel="stylesheet" href="/static/app.css" />
        <script type="module" src="/static/islands/mod.js" defer />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">
            <img src="/static/favicon.svg" alt="" width={24} height={24} />
            Sightline
          </a>
          {user && (
            <nav aria-label="Main">
              <a href="/" aria-current={active === "fleet" ? "page" : undefined}>Fleet</a>
              <a href="/packages" aria-current={active === "packages" ? "page" : undefined}>
                Packages
              </a>
              <a href="/alerts" aria-current={active === "alerts" ? "page" : undefined}>
                Alerts{" "}
                <Island name="AlertCount" component={AlertCount} props={{ counts: alerts }} />
              </a>
              <a href="/containers" aria-current={active === "containers" ? "page" : undefined}>
                Containers
              </a>
              <a href="/checks" aria-current={active === "checks" ? "page" : undefined}>Checks</a>
              <a href="/logs" aria-current={active === "logs" ? "page" : undefined}>Logs</a>
              <a href="/settings" aria-current={active === "settings" ? "page" : undefined}>
                Settings
              </a>
              <label class="theme">
                <span class="visually-hidden">Theme</span>
                {/* Enabled by static/theme.js; without scripts the page stays light. */}
                <select name="theme" disabled>
                  <option value="system">System theme</option>
                  <option value="light">Light</option>
                  <option value="dark">Dark</option>
                </select>
              </label>
              <form method="post" action="/logout" class="inline">
                <button type="submit" class="link">Sign out {user.name}</button>
              </form>
            </nav>
          )}
        </header>
        <main id="main">{children}</main>
      </body>
    </html>
  );
}

/**
 * Page middleware: counts the firing alerts before a page renders and binds
 * them into the shell, so the navigation's count is in the page as sent.
 */
export function withAlertCounts({ store }: Pick<AppDeps, "store">): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === "GET" && c.var.user) {
      const alerts = firingCounts(await store.alerts.firingCounts());
      c.set("layout", (props) => <App {...props} alerts={alerts} />);
    }
    await next();
  };
}
