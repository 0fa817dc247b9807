/** GET /logs: the fleet's log lines, searched and tailed; GET /hosts/:id/logs, one host's. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { HttpError } from "../../hub/http/errors.ts";
import { Island } from "../../components/Island.tsx";
import { HostTabs } from "../../components/HostTabs.tsx";
import Logs from "../../islands/Logs.tsx";
import type { LogSourceRow } from "../../hub/store/logs/types.ts";
import { namedView, viewPart } from "../../lib/chart_view.ts";

const label = (s: LogSourceRow) =>
  s.type === "file" ? s.path : `journal${s.units.length ? ` (${s.units.join(", ")})` : ""}`;

export function logsPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const [hosts, sources] = await Promise.all([store.hosts.list(), store.logs.listSources()]);
    return page(
      c,
      "Logs",
      <>
        <h1>Logs</h1>
        <Island
          name="Logs"
          component={Logs}
          props={{
            hosts: hosts.map((h) => ({ id: h.id, name: h.name })),
            sources: sources.map((s) => ({ id: s.id, label: label(s) })),
            view: namedView(new URL(c.req.url).searchParams),
          }}
        />
      </>,
      { active: "logs" },
    );
  };
}

export function hostLogsPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const id = c.req.param("id")!;
    const host = await store.hosts.get(id);
    if (!host) throw new HttpError(404, "not_found", "No such host");
    const sources = await store.logs.listSources();
    return page(
      c,
      `${host.name} · Logs`,
      <>
        <div class="page-head">
          <h1>{host.name}</h1>
        </div>
        <HostTabs
          hostId={id}
          current="logs"
          range={viewPart(new URL(c.req.url).searchParams)}
        />
        <Island
          name="Logs"
          component={Logs}
          props={{
            hostId: id,
            hosts: [{ id, name: host.name }],
            sources: sources.map((s) => ({ id: s.id, label: label(s) })),
            view: namedView(new URL(c.req.url).searchParams),
          }}
        />
      </>,
    );
  };
}
