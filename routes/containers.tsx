/**
 * GET /hosts/:id/containers: a host's Containers tab (its containers, live,
 * and a chart per concern with a line per container); GET /containers: the
 * fleet's containers, searchable by name or image and filtered by state.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../hub/http/deps.ts";
import { page } from "../hub/http/render.tsx";
import { HttpError } from "../hub/http/errors.ts";
import { Island } from "../components/Island.tsx";
import { HostTabs } from "../components/HostTabs.tsx";
import HostStatus from "../islands/HostStatus.tsx";
import ContainerTable from "../islands/ContainerTable.tsx";
import HostCharts, { type ChartDef } from "../islands/HostCharts.tsx";
import { viewFromQuery, viewPart } from "../lib/chart_view.ts";
import { containerView } from "../lib/containers.ts";
import { containerFilter } from "./api/v1/containers.ts";

/** The charts of a host's containers: one line per container listed now. */
function containerCharts(names: string[]): ChartDef[] {
  const per = (metric: string, suffix = "") =>
    names.map((name) => ({ metric, label: name, name: `${name}${suffix}` }));
  const charts: ChartDef[] = [
    // Not "percent": a container busy on two cores is at 200.
    {
      id: "ctr-cpu",
      title: "CPU (% of one core)",
      unit: "number",
      series: per("container_cpu_percent"),
    },
    { id: "ctr-mem", title: "Memory", unit: "bytes", series: per("container_mem_bytes") },
    {
      id: "ctr-net",
      title: "Network",
      unit: "rate",
      series: [
        ...per("container_net_rx_bytes_per_s", " in"),
        ...per("container_net_tx_bytes_per_s", " out"),
      ],
    },
    {
      id: "ctr-block",
      title: "Block I/O",
      unit: "rate",
      series: [
        ...per("container_block_read_bytes_per_s", " read"),
        ...per("container_block_write_bytes_per_s", " write"),
      ],
    },
  ];
  return names.length ? charts : [];
}

/** The Containers tab of a host. */
export function hostContainersPage({ store, status }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const id = c.req.param("id")!;
    const stored = await store.hosts.get(id);
    if (!stored) throw new HttpError(404, "not_found", "No such host");
    const host = status.apply(stored);
    const [rows, engine] = await Promise.all([
      store.containers.list(id),
      store.containers.engine(id),
    ]);
    const empty = engine?.engine
      ? `No containers on ${engine.engine}.`
      : "No container engine found on this host: the agent looks for Docker's or Podman's socket (or DOCKER_HOST).";
    const names = rows.filter((r) => r.state === "running").map((r) => r.name);
    const charts = containerCharts(names);
    return page(
      c,
      `${host.name}: containers`,
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
        </div>
        <HostTabs
          hostId={id}
          current="containers"
          range={viewPart(new URL(c.req.url).searchParams)}
        />
        <Island
          name="ContainerTable"
          component={ContainerTable}
          props={{
            hostId: id,
            containers: rows.map(containerView),
            empty,
            // Actions (issue 20): admins only; a viewer's table has no column and no button.
            actions: c.var.user?.role === "admin"
              ? { hostName: host.name, online: host.status === "online" }
              : undefined,
          }}
        />
        {charts.length > 0 && (
          <Island
            name="HostCharts"
            component={HostCharts}
            props={{ hostId: id, charts, view: viewFromQuery(new URL(c.req.url).searchParams) }}
          />
        )}
      </>,
      { active: "fleet" },
    );
  };
}

/** The fleet's containers. */
export function containersPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const { query, state } = containerFilter(c.req.query());
    const { containers: rows, total } = await store.containers.fleet({ query, state });
    return page(
      c,
      "Containers",
      <>
        <div class="page-head">
          <h1>Containers</h1>
        </div>
        <Island
          name="ContainerTable"
          component={ContainerTable}
          props={{
            containers: rows.map((r) => ({ ...containerView(r), host: r.host })),
            query,
            state,
            total,
            empty: "No host has reported a container yet.",
          }}
        />
      </>,
      { active: "containers" },
    );
  };
}
