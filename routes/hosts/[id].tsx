/** GET /hosts/:id: one host, its firing alerts, its last values and its live charts. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { HttpError } from "../../hub/http/errors.ts";
import { Island } from "../../components/Island.tsx";
import TagEditor from "../../islands/TagEditor.tsx";
import HostCharts, { type ChartDef } from "../../islands/HostCharts.tsx";
import HostStatus from "../../islands/HostStatus.tsx";
import { formatBytes, formatDuration, formatPercent } from "../../lib/format.ts";
import { CHARTS } from "../../lib/metrics.ts";
import { viewFromQuery, viewPart } from "../../lib/chart_view.ts";
import AlertBanner from "../../islands/AlertBanner.tsx";
import { alertView } from "../../lib/alerts/view.ts";
import { HostTabs } from "../../components/HostTabs.tsx";
import HostActions from "../../islands/HostActions.tsx";

/** Firing alerts a host page lists at most (more than this is a host in trouble either way). */
const MAX_BANNER_ALERTS = 50;

/** The charts this host's data allows (lib/metrics.ts's CHARTS), from the series it has sent. */
async function chartsFor(store: AppDeps["store"], id: string): Promise<ChartDef[]> {
  const charts = await Promise.all(CHARTS.map(async (spec): Promise<ChartDef> => {
    const series = (spec.series ?? []).map((s) => ({ ...s, label: "" }));
    if (spec.perLabel) {
      const labels = await store.metrics.seriesLabels(id, spec.perLabel[0].metric);
      if (spec.numericLabels) labels.sort((a, b) => Number(a) - Number(b));
      for (const label of labels) {
        for (const s of spec.perLabel) {
          series.push({ metric: s.metric, label, name: s.name.replace("{label}", label) });
        }
      }
    }
    return { id: spec.id, title: spec.title, unit: spec.unit, series };
  }));
  return charts.filter((c) => c.series.length > 0);
}

/** The host page. */
export function hostPage({ store, status }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const id = c.req.param("id")!;
    const stored = await store.hosts.get(id);
    if (!stored) throw new HttpError(404, "not_found", "No such host");
    const host = status.apply(stored);
    const latest = (await store.metrics.latest(id))?.data ?? {};
    const num = (k: string) => (typeof latest[k] === "number" ? latest[k] as number : null);
    const fs = (latest.filesystems ?? []) as Array<
      { mount: string; size_bytes: number; used_bytes: number }
    >;
    const [charts, firing] = await Promise.all([
      chartsFor(store, id),
      store.alerts.alerts({ state: "firing", hostId: id, limit: MAX_BANNER_ALERTS }),
    ]);
    const view = viewFromQuery(new URL(c.req.url).searchParams);
    return page(
      c,
      host.name,
      <>
        <div class="page-head">
          <h1>{host.name}</h1>
          <Island
            name="HostStatus"
            component={HostStatus}
            props={{
              hostId: id,
              status: host.status,
              registered: host.registered,
              lastSeen: host.last_seen,
            }}
          />
          {c.var.user?.role === "admin" && (
            <a class="button danger" href={`/hosts/${id}/delete`}>Remove</a>
          )}
        </div>
        <HostTabs
          hostId={id}
          current="overview"
          range={viewPart(new URL(c.req.url).searchParams)}
        />
        <Island
          name="AlertBanner"
          component={AlertBanner}
          props={{ hostId: id, alerts: firing.map(alertView) }}
        />
        {!host.registered && (
          <section class="card waiting-host">
            <h2>Its agent has not connected yet</h2>
            <p>
              The registration token was shown once, when the host was added, and works for 24
              hours. {c.var.user?.role === "admin"
                ? "Lost it, or did it expire? A new one replaces it (the old one stops working)."
                : "An admin can make a new one."}
            </p>
            {c.var.user?.role === "admin" && (
              <form method="post" action={`/hosts/${id}/token`}>
                <button type="submit" class="primary">New registration token</button>
              </form>
            )}
          </section>
        )}
        <dl class={`facts ${host.status === "online" ? "" : "stale"}`}>
          <div>
            <dt>OS</dt>
            <dd>{host.os ? `${host.os} ${host.kernel} (${host.arch})` : "–"}</dd>
          </div>
          <div>
            <dt>Environment</dt>
            <dd>{host.environment}</dd>
          </div>
          <div>
            <dt>Agent</dt>
            <dd>{host.agent_version || "–"}</dd>
          </div>
          <div>
            <dt>Addresses</dt>
            <dd>{host.ips.join(", ") || "–"}</dd>
          </div>
          <div>
            <dt>CPU</dt>
            <dd>{formatPercent(num("cpu_percent"))}</dd>
          </div>
          <div>
            <dt>Memory</dt>
            <dd>{formatBytes(num("mem_used_bytes"))} of {formatBytes(num("mem_total_bytes"))}</dd>
          </div>
          <div>
            <dt>Load</dt>
            <dd>{num("load1")?.toFixed(2) ?? "–"}</dd>
          </div>
          <div>
            <dt>Uptime</dt>
            <dd>{formatDuration(num("uptime_s"))}</dd>
          </div>
          {fs.map((f) => (
            <div>
              <dt>{f.mount}</dt>
              <dd>{formatBytes(f.used_bytes)} of {formatBytes(f.size_bytes)}</dd>
            </div>
          ))}
          {host.dropped_batches > 0 && (
            <div>
              <dt>Dropped batches</dt>
              <dd>{host.dropped_batches}</dd>
            </div>
          )}
        </dl>
        <Island
          name="TagEditor"
          component={TagEditor}
          props={{ hostId: id, tags: host.tags, canEdit: c.var.user?.role === "admin" }}
        />
        {charts.length > 0
          ? <Island name="HostCharts" component={HostCharts} props={{ hostId: id, charts, view }} />
          : <p class="empty">No data yet. Charts appear after the agent's first batch.</p>}
        {
          /* Actions (issue 20): admins only; a viewer's page has no section and no button.
            Container actions are offered on the Containers tab too. */
        }
        {c.var.user?.role === "admin" && host.registered && (
          <section class="card" id="actions">
            <h2>Actions</h2>
            <Island
              name="HostActions"
              component={HostActions}
              props={{ hostId: id, hostName: host.name }}
            />
          </section>
        )}
      </>,
      { active: "fleet" },
    );
  };
}
