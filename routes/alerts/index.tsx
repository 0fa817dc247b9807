/** GET /alerts?state=&rule=&host=&before=: what fires now and what resolved (islands/Alerts.tsx). */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { HttpError } from "../../hub/http/errors.ts";
import { Island } from "../../components/Island.tsx";
import { AlertsNav } from "../../components/AlertsNav.tsx";
import Alerts, { HISTORY_PAGE } from "../../islands/Alerts.tsx";
import { type AlertFilter, type AlertRow, sortOpen } from "../../islands/alert_rows.ts";
import { alertView } from "../../lib/alerts/view.ts";
import type { Alert } from "../../hub/store/alerts/types.ts";
import { checkNames, hostNames, ruleInfo } from "./shared.ts";

/** Open alerts listed at most, of each state. */
const MAX_OPEN = 500;

const STATES = ["", "pending", "firing", "resolved"] as const;

/** The filter and the history's start from the URL; junk is refused, not guessed at. */
function parseQuery(c: Context): { filter: AlertFilter; before: number | undefined } {
  const q = c.req.query();
  const state = (q.state ?? "") as AlertFilter["state"];
  if (!STATES.includes(state)) {
    throw new HttpError(400, "invalid_query", "state must be firing, pending or resolved");
  }
  let before: number | undefined;
  if (q.before) {
    before = Number(q.before);
    if (!/^\d{1,15}$/.test(q.before) || before < 1) {
      throw new HttpError(400, "invalid_query", "before must be an alert id");
    }
  }
  return { filter: { state, rule: q.rule ?? "", host: q.host ?? "" }, before };
}

export function alertsPage({ store, alerts }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const { filter, before } = parseQuery(c);
    const base = { ruleId: filter.rule || undefined, hostId: filter.host || undefined };
    const list = (state: Alert["state"], limit: number, from?: number) =>
      (filter.state === "" || filter.state === state)
        ? store.alerts.alerts({ ...base, state, limit, before: from })
        : Promise.resolve([]);
    const [firing, pending, resolved, rules] = await Promise.all([
      list("firing", MAX_OPEN),
      list("pending", MAX_OPEN),
      list("resolved", HISTORY_PAGE + 1, before),
      ruleInfo(store),
    ]);
    const row = (a: Alert): AlertRow => ({ ...alertView(a), muted: alerts?.muteReason(a) ?? null });
    const history = resolved.slice(0, HISTORY_PAGE).map(row);
    const open = sortOpen([...firing, ...pending].map(row));
    const hosts = await hostNames(
      store,
      [...open, ...history].flatMap((a) => a.host_id === null ? [] : [a.host_id]),
    );
    const checks = await checkNames(store);
    const cursor = resolved.length > HISTORY_PAGE ? history[history.length - 1].id : null;
    return page(
      c,
      "Alerts",
      <>
        <div class="page-head">
          <h1>Alerts</h1>
        </div>
        <AlertsNav current="alerts" />
        <Island
          name="Alerts"
          component={Alerts}
          props={{
            open,
            history,
            cursor,
            filter,
            hosts,
            checks,
            rules,
            canAck: c.var.user?.role === "admin",
          }}
        />
      </>,
      { active: "alerts" },
    );
  };
}
