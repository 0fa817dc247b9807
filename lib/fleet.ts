/**
 * The fleet's one-row view of a host, computed the same way for the page's
 * first render, the live `host.metrics` update and a row the browser adds
 * from the API (a host that appeared while the page was open).
 */
import type { FleetRow, MetricsSummary } from "./live_events.ts";

/** The host fields a fleet row shows (a `Host` from the store or the API has them all). */
export type FleetHost = Omit<FleetRow, keyof MetricsSummary>;

/**
 * The few figures a fleet view needs, from a stored batch's snapshot. Disk is
 * the root file system's; network the sum over interfaces (null with none).
 */
export function summarize(latest: Record<string, unknown>): MetricsSummary {
  const num = (k: string) => (typeof latest[k] === "number" ? latest[k] as number : null);
  const net = (Array.isArray(latest.net) ? latest.net : []) as Array<
    { rx_bytes_per_s: number | null; tx_bytes_per_s: number | null }
  >;
  const total = (k: "rx_bytes_per_s" | "tx_bytes_per_s") =>
    net.length ? net.reduce((s, n) => s + (n[k] || 0), 0) : null;
  const root = ((Array.isArray(latest.filesystems) ? latest.filesystems : []) as Array<
    { mount: string; size_bytes: number; used_bytes: number }
  >).find((f) => f.mount === "/");
  return {
    cpu_percent: num("cpu_percent"),
    mem_used_bytes: num("mem_used_bytes"),
    mem_total_bytes: num("mem_total_bytes"),
    swap_used_bytes: num("swap_used_bytes"),
    load1: num("load1"),
    uptime_s: num("uptime_s"),
    net_rx_bytes_per_s: total("rx_bytes_per_s"),
    net_tx_bytes_per_s: total("tx_bytes_per_s"),
    disk_used_percent: root && root.size_bytes > 0
      ? (root.used_bytes / root.size_bytes) * 100
      : null,
  };
}

/** The host's row: what it is, its liveness, and the figures of its newest snapshot (or nulls). */
export function fleetRow(host: FleetHost, latest: Record<string, unknown> | null = null): FleetRow {
  const { swap_used_bytes: _swap, load1: _load, ...figures } = summarize(latest ?? {});
  return {
    id: host.id,
    name: host.name,
    status: host.status,
    registered: host.registered,
    last_seen: host.last_seen,
    os: host.os,
    tags: host.tags,
    environment: host.environment,
    agent_version: host.agent_version,
    ...figures,
  };
}
