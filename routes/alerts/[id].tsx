/**
 * GET /alerts/:id: one alert — its head and timeline (islands/AlertSummary.tsx,
 * live), the top processes the agent reported when it fired, and every
 * notification of it with each attempt at sending.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { HttpError } from "../../hub/http/errors.ts";
import { Island } from "../../components/Island.tsx";
import { AlertsNav } from "../../components/AlertsNav.tsx";
import AlertSummary from "../../islands/AlertSummary.tsx";
import { Time } from "../../islands/alert_parts.tsx";
import { alertView } from "../../lib/alerts/view.ts";
import { formatBytes, formatPercent } from "../../lib/format.ts";
import type { ProcessAnswer, TopProcessesAnswer } from "../../hub/control/types.ts";
import type { ProcessSnapshot } from "../../hub/store/alerts/types.ts";
import type { Attempt, Notification } from "../../hub/store/notifications/types.ts";
import { ruleInfo } from "./shared.ts";

function ProcessTable({ title, list }: { title: string; list: ProcessAnswer[] }) {
  return (
    <div class="table-wrap">
      <table class="procs">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Process</th>
            <th scope="col">PID</th>
            <th scope="col">User</th>
            <th scope="col" class="num">CPU</th>
            <th scope="col" class="num">Memory</th>
          </tr>
        </thead>
        <tbody>
          {list.map((p) => (
            <tr>
              <th scope="row">{p.name}</th>
              <td>{p.pid}</td>
              <td>{p.user}</td>
              <td class="num">{formatPercent(p.cpu_percent)}</td>
              <td class="num">
                {formatBytes(p.rss_bytes)}{" "}
                <small class="inline">{formatPercent(p.mem_percent)}</small>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The processes kept with the alert, or why there are none. */
function Processes({ snap }: { snap: ProcessSnapshot | null }) {
  if (!snap) return null;
  if (typeof snap.error === "string") {
    return (
      <section class="card">
        <h2>Top processes</h2>
        <p class="muted">The agent's processes could not be read when it fired: {snap.error}</p>
      </section>
    );
  }
  const top = snap as unknown as TopProcessesAnswer;
  return (
    <section class="card">
      <h2>Top processes</h2>
      <p class="muted">
        When it fired (<Time iso={top.at} />), of {top.total} processes on the host:
      </p>
      <div class="procs-grid">
        <ProcessTable title="By CPU" list={top.by_cpu ?? []} />
        <ProcessTable title="By memory" list={top.by_memory ?? []} />
      </div>
    </section>
  );
}

const KIND_TEXT: Record<Notification["kind"], string> = {
  firing: "Fired",
  reminder: "Still firing",
  escalated: "Escalated",
  resolved: "Resolved",
};

function Notifications(
  { list, channels }: {
    list: Array<Notification & { attempt_log: Attempt[] }>;
    channels: Map<string, string> | null;
  },
) {
  return (
    <section class="card">
      <h2>Notifications</h2>
      {list.length === 0
        ? <p class="muted">No notification was sent for this alert.</p>
        : (
          <ul class="notifications">
            {list.map((n) => (
              <li data-notification={n.id}>
                <p>
                  <strong>{KIND_TEXT[n.kind]}</strong>{" "}
                  <span class={`badge note-${n.state}`}>{n.state}</span>
                  {channels && <span>to {channels.get(n.channel_id) ?? "a removed channel"}</span>}
                  {n.items.length > 1 && <span class="muted">with {n.items.length - 1} more</span>}
                  <small class="inline">
                    {n.sent_at ? "at " : "due "}
                    <Time iso={new Date(n.sent_at ?? n.due_at).toISOString()} />
                  </small>
                </p>
                {n.attempt_log.length > 0 && (
                  <ol class="attempts">
                    {n.attempt_log.map((t) => (
                      <li class={t.ok ? "" : "failed"}>
                        <Time iso={new Date(t.at).toISOString()} /> {t.ok ? "delivered" : "failed"}
                        {t.status !== null && ` (HTTP ${t.status})`}
                        {t.detail && <span class="muted">: {t.detail}</span>}
                      </li>
                    ))}
                  </ol>
                )}
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}

export function alertPage({ store, alerts }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const raw = c.req.param("id") ?? "";
    const a = /^\d{1,15}$/.test(raw) ? await store.alerts.alert(Number(raw)) : null;
    if (!a) throw new HttpError(404, "not_found", "No such alert");
    const admin = c.var.user?.role === "admin";
    const [rules, host, notes, channels] = await Promise.all([
      ruleInfo(store),
      a.host_id === null ? null : store.hosts.get(a.host_id),
      store.notifications.forAlert(a.id),
      // Where notifications go is an admin's business (as in the REST API).
      admin ? store.notifications.channels() : Promise.resolve(null),
    ]);
    // An alert on no host (a push check's) is on its check.
    const check = a.host_id === null
      ? (await store.probes.getCheck(a.labels.check ?? ""))?.name ?? a.labels.check ?? ""
      : null;
    const hostName = check ?? host?.name ?? a.host_id ?? "";
    const subject = check !== null ? `check ${check}` : hostName;
    return page(
      c,
      `${a.rule_name} on ${subject}`,
      <>
        <div class="page-head">
          <h1>{a.rule_name} on {subject}</h1>
        </div>
        <AlertsNav current="alerts" />
        <Island
          name="AlertSummary"
          component={AlertSummary}
          props={{
            alert: { ...alertView(a), muted: alerts?.muteReason(a) ?? null },
            hostName,
            rule: rules[a.rule_id],
            canAck: admin,
          }}
        />
        <Processes snap={a.processes} />
        <Notifications
          list={notes}
          channels={channels && new Map(channels.map((ch) => [ch.id, ch.name]))}
        />
      </>,
      { active: "alerts" },
    );
  };
}
