/** GET /hosts/:id: one host, its last values and its live charts. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { HttpError } from "../../hub/http/errors.ts";
import { Island } from "../../components/Island.tsx";
import HostCharts, { type ChartDef } from "../../islands/HostCharts.tsx";
import HostStatus from "../../islands/HostStatus.tsx";
import { formatBytes, formatDuration, formatPercent } from "../../lib/format.ts";

/** The charts this host's data allows, from the series it has sent. */
async function chartsFor(store: AppDeps["store"], id: string): Promise<ChartDef[]> {
  const labels = (metric: string) => store.seriesLabels(id, metric);
  const [cores, mounts, disks, ifaces, sensors] = await Promise.all([
    labels("cpu_core_percent"),
    labels("fs_used_percent"),
    labels("disk_read_bytes_per_s"),
    labels("net_rx_bytes_per_s"),
    labels("temp_celsius"),
  ]);
  const one = (metric: string, name: string) => ({ metric, label: "", name });
  const charts: ChartDef[] = [
    {
      id: "cpu",
      title: "CPU",
      unit: "percent",
      series: [
        one("cpu_percent", "total"),
        one("cpu_user", "user"),
        one("cpu_system", "system"),
        one("cpu_iowait", "iowait"),
        one("cpu_steal", "steal"),
      ],
    },
    {
      id: "cores",
      title: "CPU per core",
      unit: "percent",
      series: cores.sort((a, b) => Number(a) - Number(b)).map((c) => ({
        metric: "cpu_core_percent",
        label: c,
        name: `core ${c}`,
      })),
    },
    {
      id: "memory",
      title: "Memory and swap",
      unit: "bytes",
      series: [
        one("mem_used_bytes", "used"),
        one("mem_cached_bytes", "cache"),
        one("swap_used_bytes", "swap used"),
      ],
    },
    {
      id: "load",
      title: "Load",
      unit: "number",
      series: [one("load1", "1 min"), one("load5", "5 min"), one("load15", "15 min")],
    },
    {
      id: "disk",
      title: "Disk usage",
      unit: "percent",
      series: mounts.map((m) => ({ metric: "fs_used_percent", label: m, name: m })),
    },
    {
      id: "diskio",
      title: "Disk I/O",
      unit: "rate",
      series: disks.flatMap((d) => [
        { metric: "disk_read_bytes_per_s", label: d, name: `${d} read` },
        { metric: "disk_write_bytes_per_s", label: d, name: `${d} write` },
      ]),
    },
    {
      id: "net",
      title: "Network",
      unit: "rate",
      series: ifaces.flatMap((i) => [
        { metric: "net_rx_bytes_per_s", label: i, name: `${i} in` },
        { metric: "net_tx_bytes_per_s", label: i, name: `${i} out` },
      ]),
    },
    {
      id: "temp",
      title: "Temperatures",
      unit: "celsius",
      series: sensors.map((s) => ({ metric: "temp_celsius", label: s, name: s })),
    },
  ];
  return charts.filter((c) => c.series.length > 0);
}

/** The host page. */
export function hostPage({ store, status }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const id = c.req.param("id")!;
    const stored = await store.getHost(id);
    if (!stored) throw new HttpError(404, "not_found", "No such host");
    const host = status.apply(stored);
    const latest = (await store.latest(id))?.data ?? {};
    const num = (k: string) => (typeof latest[k] === "number" ? latest[k] as number : null);
    const fs = (latest.filesystems ?? []) as Array<
      { mount: string; size_bytes: number; used_bytes: number }
    >;
    const charts = await chartsFor(store, id);
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
          <div>
            <dt>Tags</dt>
            <dd>
              {host.tags.length ? host.tags.map((t) => <span key={t} class="tag">{t}</span>) : "–"}
            </dd>
          </div>
          {host.dropped_batches > 0 && (
            <div>
              <dt>Dropped batches</dt>
              <dd>{host.dropped_batches}</dd>
            </div>
          )}
        </dl>
        {c.var.user?.role === "admin" && (
          <form method="post" action={`/hosts/${id}/tags`} class="row tags-form">
            <label>
              Tags <small>(comma-separated)</small>
              <input name="tags" value={host.tags.join(", ")} maxLength={600} />
            </label>
            <button type="submit">Save tags</button>
          </form>
        )}
        {charts.length > 0
          ? <Island name="HostCharts" component={HostCharts} props={{ hostId: id, charts }} />
          : <p class="empty">No data yet. Charts appear after the agent's first batch.</p>}
      </>,
      { active: "fleet" },
    );
  };
}
