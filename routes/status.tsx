/**
 * The public status page (issue 19): `/status` (HTML) and `/status.json`,
 * 404 until an admin turns it on. No session is read or made and no cookie
 * set, so a CDN may cache it; it shows only what hub/probes/status_page.ts
 * builds from the items chosen.
 */
import type { Context } from "hono";
import { renderToString } from "preact-render-to-string";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import { HttpError } from "../hub/http/errors.ts";
import { type PublicStatus, publicStatus, STATUS_PAGE_KEY } from "../hub/probes/status_page.ts";

const CACHE = "public, max-age=30";
/** How long one build of the page answers every request (it reads every item's history). */
const BUILT_FOR_MS = 10_000;

/**
 * The page as last built, per app: an open route that read each item's
 * incidents and uptime for every request would let anyone load the
 * database at will. Built again after BUILT_FOR_MS, or at once when the
 * page's settings changed (read, one row, each time); requests meanwhile
 * share one build.
 */
const built = new WeakMap<
  AppDeps,
  { settings: string | null; at: number; page: Promise<PublicStatus | null> }
>();

async function content(deps: AppDeps): Promise<PublicStatus | null> {
  const { store, status, probes } = deps;
  const settings = await store.settings.get(STATUS_PAGE_KEY);
  const now = Date.now();
  const had = built.get(deps);
  if (had && had.settings === settings && now - had.at < BUILT_FOR_MS) return had.page;
  const page = publicStatus(store, {
    check: (id) => probes?.status(id),
    host: (h) => status.apply(h).status,
  });
  built.set(deps, { settings, at: now, page });
  // A failed build is not kept: the next request tries again.
  page.catch(() => built.get(deps)?.page === page && built.delete(deps));
  return page;
}

/** GET /status.json */
export function statusJson(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const page = await content(deps);
    if (!page) throw new HttpError(404, "not_found", "No status page here");
    c.header("Cache-Control", CACHE);
    return c.json(page);
  };
}

const LABEL: Record<string, string> = {
  up: "Operational",
  down: "Down",
  pending: "Not checked yet",
  online: "Online",
  offline: "Offline",
};

/** GET /status */
export function statusHtml(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const page = await content(deps);
    if (!page) throw new HttpError(404, "not_found", "No status page here");
    const html = renderToString(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{page.title}</title>
          <link rel="stylesheet" href="/static/app.css" />
        </head>
        <body class="status-page">
          <main class="card narrow">
            <h1>{page.title}</h1>
            <ul class="status-items">
              {page.items.map((it) => (
                <li class={`status-item status-${it.status}`}>
                  <h2>{it.name}</h2>
                  <p class="status-label">{LABEL[it.status]}</p>
                  {it.uptime_90d !== undefined && (
                    <p>
                      {it.uptime_90d === null
                        ? "No history yet"
                        : `${it.uptime_90d} % over 90 days`}
                    </p>
                  )}
                  {it.days && (
                    <div class="uptime-bars" role="img" aria-label="Uptime per day, 90 days">
                      {it.days.map((d) => (
                        <span
                          class={d === null
                            ? "bar none"
                            : d >= 99.9
                            ? "bar up"
                            : d > 0
                            ? "bar part"
                            : "bar down"}
                          title={d === null ? "no data" : `${d} %`}
                        />
                      ))}
                    </div>
                  )}
                  {it.incidents?.length
                    ? (
                      <ul class="incidents">
                        {it.incidents.map((i) => (
                          <li>
                            Down from <time datetime={i.start}>{i.start}</time>
                            {i.end
                              ? (
                                <>
                                  to <time datetime={i.end}>{i.end}</time>
                                </>
                              )
                              : " (ongoing)"}
                          </li>
                        ))}
                      </ul>
                    )
                    : null}
                </li>
              ))}
            </ul>
            <p class="muted">
              Updated <time datetime={page.updated}>{page.updated}</time>
            </p>
          </main>
        </body>
      </html>,
    );
    c.header("Cache-Control", CACHE);
    return c.html(`<!DOCTYPE html>${html}`);
  };
}
