/** The HTML shell every page shares: head, header with navigation, main. */
import type { LayoutProps } from "../hub/http/render.tsx";

/** Wraps a page. `user` is null on sign-in and setup pages. */
export function App({ title, user, children, active }: LayoutProps) {
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
              <a href="/alerts" aria-current={active === "alerts" ? "page" : undefined}>Alerts</a>
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
