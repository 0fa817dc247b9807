/**
 * The hub's HTTP app: the middleware every request passes (security headers,
 * path and body checks, the signed-in user, same-origin checks on mutations)
 * and error rendering, around a route table it is given (routes/mod.tsx:
 * one handler per file under routes/, named as in Fresh).
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { serveStatic } from "hono/deno";
import { fileURLToPath } from "node:url";
import { logger } from "../../lib/log.ts";
import type { AppDeps, AppEnv } from "./deps.ts";
import { fromUseCase, HttpError, wantsJson } from "./errors.ts";
import { UseCaseError } from "../usecases/errors.ts";
import { isDatabaseUnavailable } from "../store/errors.ts";
import { apiAuth } from "./api_auth.ts";
import { loadUser, requirePageUser, sameOrigin } from "./session.ts";
import { securityHeaders } from "./security_headers.ts";
import { type Layout, page } from "./render.tsx";

/**
 * Where the handlers go (routes/mod.tsx fills it): the REST API under
 * /api/v1 (API key or session), the pages anyone may open (sign-in, setup),
 * and the pages that need a signed-in user.
 */
export interface RouteTable {
  api(api: Hono<AppEnv>): void;
  open(app: Hono<AppEnv>): void;
  pages(pages: Hono<AppEnv>): void;
}

const log = logger("http");
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The largest request body: forms are a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const hasControl = (s: string) => CONTROL.test(s);

/** The URL's path with its percent-escapes decoded, as a file handler would read it. */
function decodedPath(url: string): string {
  const path = new URL(url).pathname;
  try {
    return decodeURIComponent(path);
  } catch {
    return path.replace(/%([0-9a-f]{2})/gi, (_m, h) => String.fromCharCode(parseInt(h, 16)));
  }
}

/** Builds the Hono app over `deps` with `routes` in `layout`; no port is opened here. */
export function createApp(deps: AppDeps, routes: RouteTable, layout: Layout): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    c.set("layout", layout);
    await next();
  });
  app.onError((thrown, c) => {
    // A use case's refusal is the client's to see, like an HttpError.
    const err = thrown instanceof UseCaseError ? fromUseCase(thrown) : thrown;
    const down = !(err instanceof HttpError) && isDatabaseUnavailable(err);
    const e = err instanceof HttpError ? err : down
      ? new HttpError(
        503,
        "database_unavailable",
        "The database is unreachable right now; Sightline keeps retrying",
      )
      : new HttpError(500, "internal", "Internal server error");
    // A push check's URL carries its secret: the log keeps the check, never the secret.
    const path = c.req.path.replace(/^(\/push\/[^/]+\/).*/, "$1…");
    if (down) {
      log.warn("Database unreachable", { method: c.req.method, path, error: err });
    } else if (!(err instanceof HttpError)) {
      log.error("Request failed", { method: c.req.method, path, error: err });
    }
    const { status, code, message, field } = e;
    if (wantsJson(c)) {
      return c.json({ error: field ? { code, message, field } : { code, message } }, status);
    }
    return page(
      c,
      "Error",
      <section class="card narrow">
        <h1>{message}</h1>
        <p>
          <a href="/">Back to the fleet</a>
        </p>
      </section>,
      {
        status,
      },
    );
  });
  app.notFound((c) => {
    if (c.req.path.startsWith("/api/")) {
      return c.json({
        error: { code: "not_found", message: `No route: ${c.req.method} ${c.req.path}` },
      }, 404);
    }
    return page(
      c,
      "Not found",
      <section class="card narrow">
        <h1>Page not found</h1>
        <p>
          <a href="/">Back to the fleet</a>
        </p>
      </section>,
      {
        status: 404,
      },
    );
  });

  app.use("*", securityHeaders());
  app.use("*", async (c, next) => {
    // No route has a control character in its path, and a library that logs
    // a path it failed on (serveStatic does) would write it raw: refuse it here.
    if (hasControl(c.req.path) || hasControl(decodedPath(c.req.url))) {
      throw new HttpError(400, "invalid_path", "The path holds a control character");
    }
    await next();
  });
  // Every body this app reads is a small form; nothing bigger is read at all.
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new HttpError(
          413,
          "body_too_large",
          `Request bodies are limited to ${MAX_BODY_BYTES / 1024} KiB`,
        );
      },
    }),
  );
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.use(
    "/static/*",
    serveStatic({ root: ROOT, onFound: (_path, c) => void c.header("Cache-Control", "no-cache") }),
  );
  app.use("*", loadUser({ store: deps.store }));

  const api = new Hono<AppEnv>();
  api.use("*", apiAuth({ store: deps.store }));
  api.use("*", sameOrigin());
  routes.api(api);
  app.route("/api/v1", api);
  app.all("/api/*", () => {
    throw new HttpError(404, "not_found", "No such API route");
  });

  app.use("*", sameOrigin());
  routes.open(app);

  const pages = new Hono<AppEnv>();
  pages.use("*", requirePageUser());
  routes.pages(pages);
  app.route("/", pages);
  return app;
}
