/**
 * The fleet overview: counts of hosts up, down and waiting; every connected
 * host with its live figures and an hour of CPU; the hosts still waiting for
 * their agent apart. Sortable, filterable by status and tag, searchable by
 * name, OS or tag, with the view kept in the URL. Hosts added, changed or
 * removed anywhere appear, change and go without a reload (islands/fleet_rows.ts).
 * A host with alerts firing carries a badge of how many (islands/alert_counts.ts).
 * On a phone the table's rows become cards (app.css).
 */
import { memo } from "preact/compat";
import { useMemo, useState } from "preact/hooks";
import {
  formatAgo,
  formatBytes,
  formatDuration,
  formatPercent,
  formatRate,
} from "../lib/format.ts";
import { useNow } from "./clock.ts";
import type { FleetRow } from "../lib/live_events.ts";
import { type Row, type Spark, SPARK_MS, useFleetRows } from "./fleet_rows.ts";
import { type FleetView, type SortKey, type StatusFilter, viewQuery } from "../lib/fleet_view.ts";
import { type FiringCount, type FiringCounts, worst } from "../lib/alerts/counts.ts";
import { useFiringCounts } from "./alert_counts.ts";

export type { FleetRow };

/** Props: the rows as rendered, their sparklines by host id, and the view the URL asked for. */
export interface FleetTableProps {
  hosts: FleetRow[];
  sparks: Record<string, Spark>;
  view: FleetView;
  /** The fleet's firing alerts, counted per host. */
  alerts: FiringCounts;
}

const COLUMNS: Array<[SortKey, string]> = [
  ["name", "Host"],
  ["status", "Status"],
  ["cpu_percent", "CPU"],
  ["mem", "Memory"],
  ["disk_used_percent", "Disk"],
  ["net", "Network"],
  ["uptime_s", "Uptime"],
];

function sortValue(r: FleetRow, key: SortKey): number | string {
  switch (key) {
    case "name":
      return r.name.toLowerCase();
    case "status":
      return r.status === "online" ? 0 : 1;
    case "mem":
      return memShare(r) ?? -1;
    case "net":
      return (r.net_rx_bytes_per_s ?? 0) + (r.net_tx_bytes_per_s ?? 0);
    default:
      return r[key] ?? -1;
  }
}

function memShare(r: FleetRow): number | null {
  return r.mem_total_bytes && r.mem_used_bytes !== null
    ? (r.mem_used_bytes / r.mem_total_bytes) * 100
    : null;
}

/** Rows rendered at first; more on request, so a large fleet stays quick to sort and update. */
const PAGE = 100;

/** An hour of CPU as a line from 0 to 100 %; nothing while there is no point. */
function Sparkline({ spark, now }: { spark: Spark; now: number }) {
  if (spark.length === 0) return null;
  const from = now - SPARK_MS;
  const points = spark
    .filter(([t]) => t >= from)
    .map(([t, v]) => `${(((t - from) / SPARK_MS) * 60).toFixed(1)},${(16 - v * 0.15).toFixed(1)}`);
  return (
    <svg class="spark" viewBox="0 0 60 16" preserveAspectRatio="none" aria-hidden="true">
      <polyline points={points.join(" ")} />
    </svg>
  );
}

/** How many alerts fire on a host, coloured by the worst; a link to them. Nothing when none. */
function AlertBadge({ hostId, count }: { hostId: string; count: FiringCount | undefined }) {
  const severity = worst(count);
  if (!count || !severity) return null;
  const n = count.warning + count.critical;
  return (
    <a class={`alert-count ${severity}`} href={`/alerts?host=${encodeURIComponent(hostId)}`}>
      {n}
      <span class="visually-hidden">{n === 1 ? "alert firing" : "alerts firing"}</span>
    </a>
  );
}

/** One host's row (a card on a phone); re-renders only when its data, alerts or clock changed. */
const HostRow = memo(function HostRow(
  { row: r, now, sparkNow, alerts }: {
    row: Row;
    now: number;
    sparkNow: number;
    alerts: FiringCount | undefined;
  },
) {
  const mem = memShare(r);
  return (
    <tr class={r.status === "online" ? "" : "stale"} data-host={r.id}>
      <th scope="row">
        <a href={`/hosts/${r.id}`}>{r.name}</a>
        <AlertBadge hostId={r.id} count={alerts} />
        <small>
          {r.os ? `${r.os} · ${r.environment}` : "\u00a0"}
          {r.tags.map((t) => <span key={t} class="tag">{t}</span>)}
        </small>
      </th>
      <td data-label="Status">
        <span class={`badge ${r.status}`}>{r.status}</span>
        <small>
          {r.status === "online" ? "\u00a0" : `seen ${formatAgo(r.last_seen, now)}`}
        </small>
      </td>
      <td class="num" data-label="CPU">
        {formatPercent(r.cpu_percent)}
        <Sparkline spark={r.spark} now={sparkNow} />
      </td>
      <td class="num" data-label="Memory">
        {formatPercent(mem)}
        <small>{formatBytes(r.mem_used_bytes)} / {formatBytes(r.mem_total_bytes)}</small>
        <meter min={0} max={100} value={mem ?? 0} aria-hidden="true" />
      </td>
      <td class="num" data-label="Disk">
        {formatPercent(r.disk_used_percent)}
        <meter min={0} max={100} value={r.disk_used_percent ?? 0} aria-hidden="true" />
      </td>
      <td class="num" data-label="Network">
        ↓ {formatRate(r.net_rx_bytes_per_s)}
        <small>↑ {formatRate(r.net_tx_bytes_per_s)}</small>
      </td>
      <td class="num" data-label="Uptime">{formatDuration(r.uptime_s)}</td>
      <td data-label="Agent">{r.agent_version || "–"}</td>
    </tr>
  );
});

/** The live fleet. */
export default function FleetTable({ hosts, sparks, view: initial, alerts }: FleetTableProps) {
  const rows = useFleetRows(hosts, sparks);
  const firing = useFiringCounts(alerts)?.hosts ?? {};
  const [view, setView] = useState(initial);
  const [limit, setLimit] = useState(PAGE);
  const now = useNow(10_000);
  // Sparklines slide once a minute, their resolution.
  const sparkNow = Math.floor(now / 60_000) * 60_000;

  const change = (patch: Partial<FleetView>) => {
    const next = { ...view, ...patch };
    setView(next);
    setLimit(PAGE);
    // The view lives in the URL: a reload or a shared link shows the same fleet.
    history.replaceState(null, "", `${location.pathname}${viewQuery(next)}`);
  };

  const all = [...rows.values()];
  const connected = all.filter((r) => r.registered);
  const waiting = all.filter((r) => !r.registered);
  const up = connected.filter((r) => r.status === "online").length;

  const visible = useMemo(() => {
    const q = view.q.trim().toLowerCase();
    const list = connected.filter((r) =>
      (view.status === "all" || r.status === view.status) &&
      (!view.tag || r.tags.includes(view.tag)) &&
      (!q || `${r.name} ${r.os} ${r.environment} ${r.tags.join(" ")}`.toLowerCase().includes(q))
    );
    list.sort((a, b) => {
      const x = sortValue(a, view.sort);
      const y = sortValue(b, view.sort);
      const c = x < y ? -1 : x > y ? 1 : a.name.localeCompare(b.name);
      return view.desc ? -c : c;
    });
    return list;
  }, [rows, view]);
  const allTags = useMemo(() => [...new Set(all.flatMap((r) => r.tags))].sort(), [rows]);

  const count = (status: StatusFilter, n: number, label: string) => (
    <button
      type="button"
      class={`count ${status}`}
      aria-pressed={view.status === status}
      onClick={() => change({ status: view.status === status ? "all" : status })}
    >
      <strong>{n}</strong> {label}
    </button>
  );

  return (
    <div class="fleet">
      <div class="counts" role="group" aria-label="Hosts by status">
        {count("online", up, "up")}
        {count("offline", connected.length - up, "down")}
        {count("waiting", waiting.length, "waiting")}
      </div>
      <div class="toolbar">
        <label>
          <span class="visually-hidden">Search hosts</span>
          <input
            type="search"
            placeholder="Search name, tag, OS"
            value={view.q}
            onInput={(e) => change({ q: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label>
          <span class="visually-hidden">Status</span>
          <select
            value={view.status}
            onChange={(e) =>
              change({ status: (e.target as HTMLSelectElement).value as StatusFilter })}
          >
            <option value="all">All statuses</option>
            <option value="online">Online</option>
            <option value="offline">Offline</option>
            <option value="waiting">Waiting for agent</option>
          </select>
        </label>
        {allTags.length > 0 && (
          <label>
            <span class="visually-hidden">Tag</span>
            <select
              value={view.tag}
              onChange={(e) => change({ tag: (e.target as HTMLSelectElement).value })}
            >
              <option value="">All tags</option>
              {allTags.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </label>
        )}
        {/* The column headers sort on a wide screen; a phone's cards have none. */}
        <label class="sort-by">
          <span class="visually-hidden">Sort by</span>
          <select
            value={`${view.sort}:${view.desc ? "desc" : "asc"}`}
            onChange={(e) => {
              const [sort, dir] = (e.target as HTMLSelectElement).value.split(":");
              change({ sort: sort as SortKey, desc: dir === "desc" });
            }}
          >
            {COLUMNS.flatMap(([key, label]) => [
              <option key={`${key}:asc`} value={`${key}:asc`}>{label} ↑</option>,
              <option key={`${key}:desc`} value={`${key}:desc`}>{label} ↓</option>,
            ])}
          </select>
        </label>
        <span class="summary" aria-live="polite">
          {up} of {connected.length} online
        </span>
      </div>
      {view.status !== "waiting" && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                {COLUMNS.map(([key, label]) => (
                  <th
                    scope="col"
                    aria-sort={view.sort === key
                      ? (view.desc ? "descending" : "ascending")
                      : "none"}
                  >
                    <button
                      type="button"
                      class="sort"
                      onClick={() =>
                        change({
                          sort: key,
                          desc: view.sort === key ? !view.desc : key !== "name",
                        })}
                    >
                      {label}
                    </button>
                  </th>
                ))}
                <th scope="col">Agent</th>
              </tr>
            </thead>
            <tbody>
              {visible.slice(0, limit).map((r) => (
                // Only offline rows show a time that moves; online ones keep their memo.
                <HostRow
                  key={r.id}
                  row={r}
                  now={r.status === "online" ? 0 : now}
                  sparkNow={sparkNow}
                  alerts={firing[r.id]}
                />
              ))}
            </tbody>
          </table>
          {visible.length > limit && (
            <p class="more">
              <button type="button" onClick={() => setLimit((l) => l + PAGE * 5)}>
                Show more ({visible.length - limit} not shown)
              </button>
            </p>
          )}
          {visible.length === 0 && (
            <p class="empty">
              {all.length === 0
                ? "No hosts yet. Add one to start monitoring."
                : connected.length === 0
                ? "No agent has connected yet."
                : "No host matches."}
            </p>
          )}
        </div>
      )}
      {waiting.length > 0 && (view.status === "all" || view.status === "waiting") && (
        <section class="waiting" aria-labelledby="waiting-title">
          <h2 id="waiting-title">Waiting for their agent</h2>
          <ul>
            {waiting.sort((a, b) =>
              a.name.localeCompare(b.name)
            ).map((r) => (
              <li key={r.id} data-host={r.id}>
                <a href={`/hosts/${r.id}`}>{r.name}</a>{" "}
                <span class="badge pending">waiting for agent</span>
                {r.tags.map((t) => <span key={t} class="tag">{t}</span>)}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
