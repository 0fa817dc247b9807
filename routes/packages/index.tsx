/**
 * GET /packages: the fleet's packages. A search by name (a substring),
 * manager and version (compared in each ecosystem's order) lists each
 * matching package with how many hosts have it, the spread of its versions
 * and the updates pending; without a search, the packages with updates
 * pending. `pkg=manager/name` opens one package's list of hosts. A plain GET
 * form: the search works without scripts and its address can be shared; the
 * results are kept live by islands/FleetPackages.tsx.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { fleetPackagesView } from "../../hub/usecases/packages.ts";
import { MANAGERS } from "../../lib/packages/versions.ts";
import { Island } from "../../components/Island.tsx";
import FleetPackages from "../../islands/FleetPackages.tsx";

export function packagesPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const view = await fleetPackagesView(store, c.req.query());
    return page(
      c,
      "Packages",
      <>
        <h1>Packages</h1>
        <Island
          name="FleetPackages"
          component={FleetPackages}
          props={{ view, managers: MANAGERS }}
        />
      </>,
      { active: "packages", status: view.invalid ? 400 : 200 },
    );
  };
}
