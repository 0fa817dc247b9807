/** GET /: the fleet overview. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import { page } from "../hub/http/render.tsx";
import { Island } from "../components/Island.tsx";
import FleetTable from "../islands/FleetTable.tsx";
import { type Spark, SPARK_MS, SPARK_STEP_MS } from "../islands/fleet_rows.ts";
import { fleetRow } from "../lib/fleet.ts";
import { parseView } from "../lib/fleet_view.ts";
import type { Store } from "../hub/store/store.ts";
import { firingCounts } from "../lib/alerts/counts.ts";

/**
 * Past this many hosts the page carries no sparklines (each is 60 numbers in
 * the page); they then fill from live figures while the page is open.
 */
const MAX_SPARKLINES = 1000;

/** Every host's CPU of the last hour from the 1 min rollups, one point a minute. */
async function sparklines(store: Store, hostIds: string[], now: number) {
  const sparks: Record<string, Spark> = {};
  if (hostIds.length === 0 || hostIds.length > MAX_SPARKLINES) return sparks;
  const rows = await store.metrics.queryRange({
    hostIds,
    metric: "cpu_percent",
    label: "",
    tier: "1m",
    from: now - SPARK_MS,
    to: now,
    stepMs: SPARK_STEP_MS,
  });
  for (const r of rows) (sparks[r.hostId] ??= []).push([r.t, r.avg]);
  for (const s of Object.values(sparks)) s.sort((a, b) => a[0] - b[0]);
  return sparks;
}

/** Renders every host with its last figures and firing alerts; the island keeps them live. */
export function fleetPage({ store, status }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const [hosts, latest, firing] = await Promise.all([
      store.hosts.list(),
      store.metrics.latestAll(),
      store.alerts.firingCounts(),
    ]);
    const rows = hosts.map((h) => fleetRow(status.apply(h), latest.get(h.id)));
    const sparks = await sparklines(
      store,
      hosts.filter((h) => h.registered).map((h) => h.id),
      Date.now(),
    );
    const view = parseView(new URL(c.req.url).searchParams);
    return page(
      c,
      "Fleet",
      <>
        <div class="page-head">
          <h1>Fleet</h1>
          {c.var.user?.role === "admin" && <a class="button primary" href="/hosts/new">Add host</a>}
        </div>
        <Island
          name="FleetTable"
          component={FleetTable}
          props={{ hosts: rows, sparks, view, alerts: firingCounts(firing) }}
        />
      </>,
      { active: "fleet" },
    );
  };
}
