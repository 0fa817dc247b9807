/** GET /: the fleet overview. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import { page } from "../hub/http/render.tsx";
import { Island } from "../components/Island.tsx";
import FleetTable from "../islands/FleetTable.tsx";
import { fleetRow } from "../lib/fleet.ts";

/** Renders every host with its last figures; the island keeps them live. */
export function fleetPage({ store, status }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const [hosts, latest] = await Promise.all([store.listHosts(), store.latestAll()]);
    const rows = hosts.map((h) => fleetRow(status.apply(h), latest.get(h.id)));
    return page(
      c,
      "Fleet",
      <>
        <div class="page-head">
          <h1>Fleet</h1>
          {c.var.user?.role === "admin" && <a class="button primary" href="/hosts/new">Add host</a>}
        </div>
        <Island name="FleetTable" component={FleetTable} props={{ hosts: rows }} />
      </>,
      { active: "fleet" },
    );
  };
}
