/**
 * The hub's HTTP app: the route table (one handler per file under routes/,
 * named as in Fresh), the middleware every request passes (security headers,
 * the signed-in user, same-origin checks on mutations) and error rendering.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { serveStatic } from "hono/deno";
import { fileURLToPath } from "node:url";
import { logger } from "../../lib/log.ts";
import type { AppDeps, AppEnv } from "./deps.ts";
import { HttpError } from "./errors.ts";
import { isDatabaseUnavailable } from "../store/errors.ts";
import { apiAuth } from "./api_auth.ts";
import { loadUser, requirePageUser, sameOrigin } from "./session.ts";
import { securityHeaders } from "./security_headers.ts";
import { page } from "./render.tsx";
import { listHosts } from "../../routes/api/v1/hosts/index.ts";
import { getHost } from "../../routes/api/v1/hosts/[id]/index.ts";
import { getMetrics } from "../../routes/api/v1/hosts/[id]/metrics.ts";
import { events } from "../../routes/api/v1/events.ts";
import { getFleetMetrics } from "../../routes/api/v1/metrics.ts";
import { login, loginPage } from "../../routes/login.tsx";
import { logout } from "../../routes/logout.ts";
import { setup, setupPage } from "../../routes/setup.tsx";
import { fleetPage } from "../../routes/index.tsx";
import { createHost, newHostPage } from "../../routes/hosts/new.tsx";
import { hostPage } from "../../routes/hosts/[id].tsx";
import { deleteHost, deleteHostPage } from "../../routes/hosts/[id]/delete.tsx";
import { setTags } from "../../routes/hosts/[id]/tags.ts";
import {
  addUser,
  changePassword,
  changeRole,
  createKey,
  removeUser,
  revokeKey,
  settingsPage,
} from "../../routes/settings/index.tsx";

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

/** Builds the Hono app over `deps`; no port is opened here. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((err, c) => {
    const down = !(err instanceof HttpError) && isDatabaseUnavailable(err);
    const e = err instanceof HttpError ? err : down
      ? new HttpError(
        503,
        "database_unavailable",
        "The database is unreachable right now; Sightline keeps retrying",
      )
      : new HttpError(500, "internal", "Internal server error");
    if (down) {
      log.warn("Database unreachable", { method: c.req.method, path: c.req.path, error: err });
    } else if (!(err instanceof HttpError)) {
      log.error("Request failed", { method: c.req.method, path: c.req.path, error: err });
    }
    const { status, code, message } = e;
    if (c.req.path.startsWith("/api/")) return c.json({ error: { code, message } }, status);
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
  api.get("/hosts", listHosts(deps));
  api.get("/hosts/:id", getHost(deps));
  api.get("/hosts/:id/metrics", getMetrics(deps));
  api.get("/metrics", getFleetMetrics(deps));
  api.get("/events", events(deps));
  app.route("/api/v1", api);
  app.all("/api/*", () => {
    throw new HttpError(404, "not_found", "No such API route");
  });

  app.use("*", sameOrigin());
  app.get("/login", loginPage());
  app.post("/login", login(deps));
  app.get("/setup", setupPage(deps));
  app.post("/setup", setup(deps));
  app.post("/logout", logout(deps));

  const pages = new Hono<AppEnv>();
  pages.use("*", requirePageUser());
  pages.get("/", fleetPage(deps));
  pages.get("/hosts/new", newHostPage());
  pages.post("/hosts/new", createHost(deps));
  pages.get("/hosts/:id", hostPage(deps));
  pages.get("/hosts/:id/delete", deleteHostPage(deps));
  pages.post("/hosts/:id/delete", deleteHost(deps));
  pages.post("/hosts/:id/tags", setTags(deps));
  pages.get("/settings", settingsPage(deps));
  pages.post("/settings/users", addUser(deps));
  pages.post("/settings/users/:id/role", changeRole(deps));
  pages.post("/settings/users/:id/delete", removeUser(deps));
  pages.post("/settings/password", changePassword(deps));
  pages.post("/settings/apikeys", createKey(deps));
  pages.post("/settings/apikeys/:id/revoke", revokeKey(deps));
  app.route("/", pages);
  return app;
}
