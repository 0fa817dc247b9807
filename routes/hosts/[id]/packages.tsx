/**
 * GET /hosts/:id/packages: the host's Packages tab: every package its agent
 * reported, its version and any update pending (security ones marked), the
 * time of the inventory and the managers that could not be read; kept live
 * (islands/HostPackages.tsx). `q` filters by name, server-side too, so the
 * tab works without scripts.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../hub/http/deps.ts";
import { page } from "../../../hub/http/render.tsx";
import { HttpError } from "../../../hub/http/errors.ts";
import { HostTabs } from "../../../components/HostTabs.tsx";
import { Island } from "../../../components/Island.tsx";
import HostPackages from "../../../islands/HostPackages.tsx";
import { packageRow } from "../../api/v1/hosts/[id]/packages.ts";
import { viewPart } from "../../../lib/chart_view.ts";

export function hostPackagesPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const id = c.req.param("id")!;
    const host = await store.hosts.get(id);
    if (!host) throw new HttpError(404, "not_found", "No such host");
    const [all, baseline] = await Promise.all([
      store.packages.list(id),
      store.packages.baseline(id),
    ]);
    const filter = (c.req.query("q") ?? "").trim().slice(0, 100);
    return page(
      c,
      `${host.name} · Packages`,
      <>
        <div class="page-head">
          <h1>{host.name}</h1>
        </div>
        <HostTabs
          hostId={id}
          current="packages"
          range={viewPart(new URL(c.req.url).searchParams)}
        />
        <Island
          name="HostPackages"
          component={HostPackages}
          props={{
            hostId: id,
            packages: all.map(packageRow),
            inventory: baseline
              ? {
                updated_at: baseline.updated_at,
                managers: baseline.managers,
                errors: baseline.errors,
              }
              : null,
            filter,
          }}
        />
      </>,
    );
  };
}
