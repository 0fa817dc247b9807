/** GET /alerts/maintenance: weekly maintenance windows; admins add and delete them. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { Island } from "../../components/Island.tsx";
import { AlertsNav } from "../../components/AlertsNav.tsx";
import MaintenanceList from "../../islands/MaintenanceList.tsx";
import { windowView } from "../api/v1/alerts/index.ts";
import { named } from "./silences.tsx";

export function maintenancePage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const [windows, rules, hosts] = await Promise.all([
      store.alerts.windows(),
      store.alerts.rules(),
      store.hosts.list(),
    ]);
    const now = Date.now();
    return page(
      c,
      "Maintenance",
      <>
        <AlertsNav current="maintenance" />
        <h1>Maintenance windows</h1>
        <p class="muted">
          Every week on the days picked, on the clocks of its time zone, a window holds back the
          notifications of what it matches.
        </p>
        <Island
          name="MaintenanceList"
          component={MaintenanceList}
          props={{
            windows: windows.map((w) => windowView(w, now)),
            rules: named(rules),
            hosts: named(hosts),
            canEdit: c.var.user?.role === "admin",
          }}
        />
      </>,
      { active: "alerts" },
    );
  };
}
