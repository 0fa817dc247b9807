/**
 * GET /alerts/rules/new and /alerts/rules/:id: the rule editor, with the
 * fleet to pick hosts from and, for admins, the channels a rule may name.
 * Viewers see the rule read-only.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../hub/http/deps.ts";
import { page } from "../../../hub/http/render.tsx";
import { HttpError } from "../../../hub/http/errors.ts";
import { requireAdmin } from "../../../hub/http/session.ts";
import type { AlertRule } from "../../../lib/alerts/rules.ts";
import { Island } from "../../../components/Island.tsx";
import { AlertsNav } from "../../../components/AlertsNav.tsx";
import RuleEditor from "../../../islands/RuleEditor.tsx";

async function editor(c: Context<AppEnv>, { store }: AppDeps, rule: AlertRule | null) {
  const canEdit = c.var.user?.role === "admin";
  const [hosts, channels] = await Promise.all([
    store.hosts.list(),
    canEdit ? store.notifications.channels() : Promise.resolve(null),
  ]);
  const title = rule ? rule.name : "New rule";
  return page(
    c,
    title,
    <>
      <AlertsNav current="rules" />
      <div class="page-head">
        <h1>{title}</h1>
        {rule && !canEdit && <span class="muted">read-only</span>}
      </div>
      <Island
        name="RuleEditor"
        component={RuleEditor}
        props={{
          rule,
          hosts: hosts.filter((h) => h.registered).map((h) => ({
            id: h.id,
            name: h.name,
            tags: h.tags,
          })),
          channels: channels && channels.map((ch) => ({ id: ch.id, name: ch.name })),
          canEdit,
        }}
      />
    </>,
    { active: "alerts" },
  );
}

/** GET /alerts/rules/new (admins). */
export function newRulePage(deps: AppDeps) {
  return (c: Context<AppEnv>) => {
    requireAdmin(c);
    return editor(c, deps, null);
  };
}

/** GET /alerts/rules/:id */
export function rulePage(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const rule = await deps.store.alerts.rule(c.req.param("id")!);
    if (!rule) throw new HttpError(404, "not_found", "No such rule");
    return editor(c, deps, rule);
  };
}
