/** GET/POST /alerts/rules/:id/delete: removes a rule, after a confirmation. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../../../hub/http/deps.ts";
import { page } from "../../../../hub/http/render.tsx";
import { actorOf, requireAdmin } from "../../../../hub/http/session.ts";
import { HttpError } from "../../../../hub/http/errors.ts";
import { Confirm } from "../../../../components/Confirm.tsx";
import { describeRule } from "../../../../lib/alerts/rule_text.ts";
import { deleteRule as deleteRuleOf } from "../../../../hub/usecases/alerts.ts";

/** Asks first, saying what the rule checks. */
export function deleteRulePage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const rule = await store.alerts.rule(c.req.param("id")!);
    if (!rule) throw new HttpError(404, "not_found", "No such rule");
    return page(
      c,
      `Delete ${rule.name}`,
      <Confirm
        title={`Delete the rule ${rule.name}?`}
        action={`/alerts/rules/${rule.id}/delete`}
        confirm="Delete rule"
        cancel="/alerts/rules"
      >
        <p>
          It checks{" "}
          {describeRule(rule)}. Its open alerts close, and it warns of nothing from then on; to stop
          it for a while, disable it instead.
        </p>
      </Confirm>,
      { active: "alerts" },
    );
  };
}

/** Deletes and goes back to the rules. */
export function deleteRule(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    await deleteRuleOf(deps, actorOf(c), c.req.param("id")!);
    return c.redirect("/alerts/rules", 303);
  };
}
