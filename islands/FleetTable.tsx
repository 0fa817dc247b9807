/**
 * The fleet overview: every host with its live figures, updated over SSE;
 * sortable, filterable by status and searchable by name, OS or environment.
 * Hosts added, changed or removed anywhere appear, change and go without a
 * reload. Updates are applied once per animation frame, so a thousand hosts
 * reporting at once cost one render.
 */
import { memo } from "preact/compat";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  formatAgo,
  formatBytes,
  formatDuration,
  formatPercent,
  formatRate,
} from "../lib/format.ts";
import { onLive } from "./live.ts";
import { useNow } from "./clock.ts";
import type { FleetRow } from "../lib/live_events.ts";
import { fleetRow } from "../lib/fleet.ts";

export type { FleetRow };

type SortKey = "name" | "status" | "cpu_percent" | "mem" | "disk_used_percent" | "net" | "uptime_s";

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
      return r.status === "online" ? 0 : r.registered ? 1 : 2;
    case "mem":
      return r.mem_total_bytes ? (r.mem_used_bytes ?? 0) / r.mem_total_bytes : -1;
    case "net":
      return (r.net_rx_bytes_per_s ?? 0) + (r.net_tx_bytes_per_s ?? 0);
    default:
      return r[key] ?? -1;
  }
}

/** Rows rendered at first; more on request, so a large fleet stays quick to sort and update. */
const PAGE = 100;

/** Whether a queued patch is a whole row (a `host.added`), not a change to one. */
function isRow(patch: Partial<FleetRow>): patch is FleetRow {
  return typeof patch.name === "string" && Array.isArray(patch.tags) && "os" in patch;
}

/** One host's row; re-renders only when its data changed. */
const Row = memo(function Row({ row: r, now }: { row: FleetRow; now: number }) {
  return (
    <tr class={r.status === "online" ? "" : "stale"} data-host={r.id}>
      <th scope="row">
        <a href={`/hosts/${r.id}`}>{r.name}</a>
        <small>
          {r.os ? `${r.os} · ${r.environment}` : "\u00a0"}
          {r.tags.map((t) => <span key={t} class="tag">{t}</span>)}
        </small>
      </th>
      <td>
        <StatusBadge row={r} />
        <small>
          {r.status === "online" ? "\u00a0" : `seen ${formatAgo(r.last_seen, now)}`}
        </small>
      </td>
      <td class="num">
        {formatPercent(r.cpu_percent)}
        <meter min={0} max={100} value={r.cpu_percent ?? 0} aria-hidden="true" />
      </td>
      <td class="num">
        {formatBytes(r.mem_used_bytes)} / {formatBytes(r.mem_total_bytes)}
        <meter
          min={0}
          max={r.mem_total_bytes || 1}
          value={r.mem_used_bytes ?? 0}
          aria-hidden="true"
        />
      </td>
      <td class="num">
        {formatPercent(r.disk_used_percent)}
        <meter min={0} max={100} value={r.disk_used_percent ?? 0} aria-hidden="true" />
      </td>
      <td class="num">
        ↓ {formatRate(r.net_rx_bytes_per_s)}
        <small>↑ {formatRate(r.net_tx_bytes_per_s)}</small>
      </td>
      <td class="num">{formatDuration(r.uptime_s)}</td>
      <td>{r.agent_version || "–"}</td>
    </tr>
  );
});

function StatusBadge({ row }: { row: FleetRow }) {
  if (!row.registered) return <span class="badge pending">waiting for agent</span>;
  return <span class={`badge ${row.status}`}>{row.status}</span>;
}

/** The live fleet table. */
export default function FleetTable({ hosts }: { hosts: FleetRow[] }) {
  const [rows, setRows] = useState(() => new Map(hosts.map((h) => [h.id, h])));
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "name", desc: false });
  const [query, setQuery] = useState("");
  const [status, setStatus] = useState<"all" | "online" | "offline">("all");
  const [tag, setTag] = useState("");
  const [limit, setLimit] = useState(PAGE);
  // A patch, or null for a host that was removed.
  const queued = useRef(new Map<string, Partial<FleetRow> | null>());
  const frame = useRef(0);
  const fetching = useRef(new Set<string>());
  const shown = useRef(rows);
  shown.current = rows;
  const now = useNow(10_000);

  useEffect(() => {
    const flush = () => {
      frame.current = 0;
      const updates = queued.current;
      queued.current = new Map();
      for (const [id, patch] of updates) {
        const row = shown.current.get(id);
        // News of a host this page does not list (added through the CLI, or on
        // another hub before this page subscribed): ask for the whole host.
        // A host whose agent just connected has an OS, a version… to show now.
        if (patch && ((!row && !isRow(patch)) || (row && !row.registered && patch.registered))) {
          void fetchRow(id);
        }
      }
      setRows((prev) => {
        const next = new Map(prev);
        for (const [id, patch] of updates) {
          const row = next.get(id);
          if (patch === null) next.delete(id);
          else if (row) next.set(id, { ...row, ...patch });
          else if (isRow(patch)) next.set(id, patch);
        }
        return next;
      });
    };
    const queue = (id: string, patch: Partial<FleetRow> | null) => {
      const before = queued.current.get(id);
      queued.current.set(id, patch && before !== null ? { ...before, ...patch } : patch);
      frame.current ||= requestAnimationFrame(flush);
    };
    const fetchRow = async (id: string) => {
      if (fetching.current.has(id)) return;
      fetching.current.add(id);
      try {
        const res = await fetch(`/api/v1/hosts/${encodeURIComponent(id)}`);
        // Gone again (removed meanwhile) or not ours to see: nothing to show.
        if (res.ok) {
          const host = await res.json();
          const row = fleetRow(host, host.latest);
          setRows((prev) => {
            const known = prev.get(id);
            // A listed row keeps its live figures and takes what the host is from the answer.
            const { name, registered, os, tags, environment, agent_version } = row;
            return new Map(prev).set(
              id,
              known ? { ...known, name, registered, os, tags, environment, agent_version } : row,
            );
          });
        }
      } catch {
        // Offline browser: the row appears with the next event or reload.
      } finally {
        fetching.current.delete(id);
      }
    };
    const stops = [
      onLive("host.status", (d) =>
        queue(d.id, {
          status: d.status,
          last_seen: d.last_seen,
          registered: d.registered !== false,
        })),
      onLive("host.metrics", (d) =>
        queue(d.id, {
          cpu_percent: d.cpu_percent,
          mem_used_bytes: d.mem_used_bytes,
          mem_total_bytes: d.mem_total_bytes,
          disk_used_percent: d.disk_used_percent,
          net_rx_bytes_per_s: d.net_rx_bytes_per_s,
          net_tx_bytes_per_s: d.net_tx_bytes_per_s,
          uptime_s: d.uptime_s,
          last_seen: d.ts,
        })),
      onLive("host.added", (row) => queue(row.id, row)),
      onLive("host.changed", (d) => queue(d.id, { name: d.name, tags: d.tags })),
      onLive("host.removed", (d) => queue(d.id, null)),
    ];
    return () => stops.forEach((stop) => stop());
  }, []);

  const visible = useMemo(() => {
    const q = query.trim().toLowerCase();
    const list = [...rows.values()].filter((r) =>
      (status === "all" || r.status === status) &&
      (!tag || r.tags.includes(tag)) &&
      (!q || `${r.name} ${r.os} ${r.environment} ${r.tags.join(" ")}`.toLowerCase().includes(q))
    );
    list.sort((a, b) => {
      const x = sortValue(a, sort.key);
      const y = sortValue(b, sort.key);
      const c = x < y ? -1 : x > y ? 1 : a.name.localeCompare(b.name);
      return sort.desc ? -c : c;
    });
    return list;
  }, [rows, sort, query, status, tag]);
  const allTags = useMemo(() => [...new Set([...rows.values()].flatMap((r) => r.tags))].sort(), [
    rows,
  ]);

  const online = [...rows.values()].filter((r) => r.status === "online").length;

  return (
    <div class="fleet">
      <div class="toolbar">
        <label>
          <span class="visually-hidden">Search hosts</span>
          <input
            type="search"
            placeholder="Search name, tag, OS"
            value={query}
            onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          <span class="visually-hidden">Status</span>
          <select
            value={status}
            onChange={(e) => setStatus((e.target as HTMLSelectElement).value as typeof status)}
          >
            <option value="all">All statuses</option>
            <option value="online">Online</option>
            <option value="offline">Offline</option>
          </select>
        </label>
        {allTags.length > 0 && (
          <label>
            <span class="visually-hidden">Tag</span>
            <select value={tag} onChange={(e) => setTag((e.target as HTMLSelectElement).value)}>
              <option value="">All tags</option>
              {allTags.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </label>
        )}
        <span class="summary" aria-live="polite">
          {online} of {rows.size} online
        </span>
      </div>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              {COLUMNS.map(([key, label]) => (
                <th
                  scope="col"
                  aria-sort={sort.key === key ? (sort.desc ? "descending" : "ascending") : "none"}
                >
                  <button
                    type="button"
                    class="sort"
                    onClick={() =>
                      setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== "name" }))}
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
              <Row key={r.id} row={r} now={r.status === "online" ? 0 : now} />
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
            {rows.size === 0 ? "No hosts yet. Add one to start monitoring." : "No host matches."}
          </p>
        )}
      </div>
    </div>
  );
}
