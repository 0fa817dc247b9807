/** GET /alerts/silences: silences running and the last few ended; admins add and end them. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { Island } from "../../components/Island.tsx";
import { AlertsNav } from "../../components/AlertsNav.tsx";
import SilenceList, { ENDED_SHOWN } from "../../islands/SilenceList.tsx";
import type { Named } from "../../islands/alerting_kit.tsx";

/** Rules or hosts as the match pickers list them. */
export const named = (list: Named[]): Named[] => list.map(({ id, name }) => ({ id, name }));

export function silencesPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const [silences, rules, hosts] = await Promise.all([
      store.alerts.silences(),
      store.alerts.rules(),
      store.hosts.list(),
    ]);
    const now = Date.now();
    const running = silences.filter((s) => s.ends_at > now).sort((a, b) => a.ends_at - b.ends_at);
    const ended = silences.filter((s) => s.ends_at <= now)
      .sort((a, b) => b.ends_at - a.ends_at).slice(0, ENDED_SHOWN);
    return page(
      c,
      "Silences",
      <>
        <AlertsNav current="silences" />
        <h1>Silences</h1>
        <p class="muted">
          A silence holds back the notifications of what it matches until it ends; its alerts still
          show on the dashboard.
        </p>
        <Island
          name="SilenceList"
          component={SilenceList}
          props={{
            running,
            ended,
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
