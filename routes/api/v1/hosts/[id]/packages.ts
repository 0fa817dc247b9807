/**
 * GET /api/v1/hosts/:id/packages: the host's packages,
 * `[{manager, name, version, arch, update_available, update_version, security}]`:
 * `update_available` says whether the manager knows a newer candidate,
 * `update_version` is it (or null), `security` whether it comes from a
 * security origin.
 */
import type { Context } from "hono";
import type { AppDeps } from "../../../../../hub/http/deps.ts";
import { HttpError } from "../../../../../hub/http/errors.ts";
import type { InstalledPackage } from "../../../../../hub/store/packages/types.ts";
import type { HostPackageRow } from "../../../../../islands/HostPackages.tsx";

export function getHostPackages({ store }: AppDeps) {
  return async (c: Context) => {
    const id = c.req.param("id")!;
    if (!(await store.hosts.get(id))) {
      throw new HttpError(404, "not_found", `No such host: ${id.slice(0, 64)}`);
    }
    return c.json((await store.packages.list(id)).map(packageRow));
  };
}

/** A package as this API gives it (the host's Packages tab renders the same rows). */
export function packageRow(p: InstalledPackage): HostPackageRow {
  return {
    manager: p.manager,
    name: p.name,
    version: p.version,
    arch: p.arch,
    update_available: Boolean(p.update_version),
    update_version: p.update_version || null,
    security: p.security,
  };
}
