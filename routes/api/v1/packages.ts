/**
 * GET /api/v1/packages?name=&op=lt|le|eq|ge|gt&version=&manager=: the hosts
 * whose packages match, `[{host: {id, name}, manager, name, version}]`. The
 * name is a substring; the version is compared in the package's own
 * ecosystem's order. A search that reached the row limit says so in the
 * `Sightline-Truncated` header.
 */
import type { Context } from "hono";
import type { AppDeps } from "../../../hub/http/deps.ts";
import { HttpError } from "../../../hub/http/errors.ts";
import { checkQuery, fleetPackagesView, searchPackages } from "../../../hub/usecases/packages.ts";

export function getPackages({ store }: AppDeps) {
  return async (c: Context) => {
    const checked = checkQuery(c.req.query());
    if (!checked.ok) throw new HttpError(400, "invalid_query", checked.problem, checked.field);
    const { hits, truncated } = await searchPackages(store, checked.query);
    if (truncated) c.header("Sightline-Truncated", "true");
    return c.json(hits.map((h) => ({
      host: h.host,
      manager: h.manager,
      name: h.name,
      version: h.version,
    })));
  };
}

/**
 * GET /api/v1/packages/summary?name=&op=&version=&manager=&pkg=: what the
 * fleet Packages page shows for the same query (its island reads it again
 * when an inventory changes): packages with their host counts, version
 * spread and updates pending, and the hosts of `pkg`. An empty name lists the
 * packages with updates pending, as the page does.
 */
export function getPackagesSummary({ store }: AppDeps) {
  return async (c: Context) => {
    const view = await fleetPackagesView(store, c.req.query());
    if (view.invalid) {
      throw new HttpError(400, "invalid_query", view.invalid.problem, view.invalid.field);
    }
    return c.json(view);
  };
}
