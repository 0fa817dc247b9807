/**
 * The hub's HTTP app: the route table (one handler per file under routes/,
 * named as in Fresh) and the error handling every route shares.
 */
import { Hono } from "hono";
import { logger } from "../../lib/log.ts";
import type { AppDeps } from "./deps.ts";
import { HttpError } from "./errors.ts";
import { apiAuth } from "./api_auth.ts";
import { listHosts } from "../../routes/api/v1/hosts/index.ts";
import { getHost } from "../../routes/api/v1/hosts/[id]/index.ts";
import { getMetrics } from "../../routes/api/v1/hosts/[id]/metrics.ts";
import { events } from "../../routes/api/v1/events.ts";

const log = logger("http");

/** Builds the Hono app over `deps`; no port is opened here. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    if (err instanceof HttpError) {
      return c.json({ error: { code: err.code, message: err.message } }, err.status);
    }
    log.error("Request failed", { method: c.req.method, path: c.req.path, error: err });
    return c.json({ error: { code: "internal", message: "Internal server error" } }, 500);
  });
  app.notFound((c) =>
    c.json(
      { error: { code: "not_found", message: `No route: ${c.req.method} ${c.req.path}` } },
      404,
    )
  );

  app.get("/healthz", (c) => c.json({ ok: true }));
  const api = new Hono();
  api.use("*", apiAuth({ store: deps.store }));
  api.get("/hosts", listHosts(deps));
  api.get("/hosts/:id", getHost(deps));
  api.get("/hosts/:id/metrics", getMetrics(deps));
  api.get("/events", events(deps));
  app.route("/api/v1", api);
  return app;
}
