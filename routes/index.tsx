/** GET /: the fleet overview. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import { page } from "../hub/http/render.tsx";
import { Island } from "../components/Island.tsx";
import FleetTable, { type FleetRow } from "../islands/FleetTable.tsx";

/** Renders every host with its last figures; the island keeps them live. */
export function fleetPage({ store, status }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const [hosts, latest] = await Promise.all([store.hosts.list(), store.metrics.latestAll()]);
    const rows: FleetRow[] = hosts.map((h) => {
      const live = status.apply(h);
      const l = latest.get(h.id) ?? {};
      const num = (k: string) => (typeof l[k] === "number" ? l[k] as number : null);
      const fs = (l.filesystems ?? []) as Array<
        { mount: string; size_bytes: number; used_bytes: number }
      >;
      const root = fs.find((f) => f.mount === "/") ?? fs[0];
      const net = (l.net ?? []) as Array<{ rx_bytes_per_s: number; tx_bytes_per_s: number }>;
      return {
        id: h.id,
        name: h.name,
        status: live.status,
        registered: h.registered,
        last_seen: live.last_seen,
        os: h.os,
        tags: h.tags,
        environment: h.environment,
        agent_version: h.agent_version,
        cpu_percent: num("cpu_percent"),
        mem_used_bytes: num("mem_used_bytes"),
        mem_total_bytes: num("mem_total_bytes"),
        disk_used_percent: root && root.size_bytes
          ? (root.used_bytes / root.size_bytes) * 100
          : null,
        net_rx_bytes_per_s: net.length ? net.reduce((s, n) => s + n.rx_bytes_per_s, 0) : null,
        net_tx_bytes_per_s: net.length ? net.reduce((s, n) => s + n.tx_bytes_per_s, 0) : null,
        uptime_s: num("uptime_s"),
      };
    });
    return page(
      c,
      "Fleet",
      <>
        <div class="page-head">
          <h1>Fleet</h1>
          {c.var.user?.role === "admin" && <a class="button primary" href="/hosts/new">Add host</a>}
        </div>
        <Island name="FleetTable" component={FleetTable} props={{ hosts: rows }} />
      </>,
      { active: "fleet" },
    );
  };
}
