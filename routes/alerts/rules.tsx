/** GET /alerts/rules: every alert rule in words; admins switch, add and delete them. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { Island } from "../../components/Island.tsx";
import { AlertsNav } from "../../components/AlertsNav.tsx";
import RuleList from "../../islands/RuleList.tsx";

export function rulesPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const [rules, hosts] = await Promise.all([store.alerts.rules(), store.hosts.list()]);
    const canEdit = c.var.user?.role === "admin";
    return page(
      c,
      "Alert rules",
      <>
        <AlertsNav current="rules" />
        <div class="page-head">
          <h1>Alert rules</h1>
          {canEdit && <a class="button primary" href="/alerts/rules/new">Add rule</a>}
        </div>
        <Island
          name="RuleList"
          component={RuleList}
          props={{
            rules,
            hostNames: Object.fromEntries(hosts.map((h) => [h.id, h.name])),
            canEdit,
          }}
        />
      </>,
      { active: "alerts" },
    );
  };
}
