/**
 * GET /checks: every uptime check, live, and for admins the form that adds
 * one; GET /checks/:id: one, per agent, with its incidents, and for admins
 * its edit form; GET/POST /checks/:id/delete: removes one after a
 * confirmation that says what goes with it. Viewers get no form.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { HttpError } from "../../hub/http/errors.ts";
import { Island } from "../../components/Island.tsx";
import CheckList from "../../islands/CheckList.tsx";
import CheckEditor from "../../islands/CheckEditor.tsx";
import { Confirm } from "../../components/Confirm.tsx";
import { actorOf, requireAdmin } from "../../hub/http/session.ts";
import { deleteCheck as deleteCheckOf } from "../../hub/usecases/checks.ts";
import type { Store } from "../../hub/store/store.ts";
import { checkRow } from "../../hub/probes/rows.ts";
import { agentUptime, shownDef } from "../../hub/probes/view.ts";
import { CHECK_RANGES, type CheckSeries, checkSeries, checkView } from "../../hub/probes/series.ts";
import { viewFromQuery } from "../../lib/chart_view.ts";
import { DEFAULT_RETENTION } from "../../hub/store/tiers.ts";

const DAY_MS = 86_400_000;

/** The registered hosts a check may be picked to run on. */
async function pickable(store: Store) {
  return (await store.hosts.list()).filter((h) => h.registered).map((h) => ({
    id: h.id,
    name: h.name,
  }));
}

export function checksPage({ store, probes }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const defs = await store.probes.listChecks();
    const rows = await Promise.all(defs.map((d) => checkRow(store, d, probes?.status(d.id))));
    const canEdit = c.var.user?.role === "admin";
    return page(
      c,
      "Checks",
      <>
        <h1>Checks</h1>
        <p class="muted">
          Services tested from the agents (or pushed to by a cron job).{" "}
          {canEdit
            ? "Add one below, or through /api/v1/checks; open a check to change or remove it."
            : "Admins add and change them."}
        </p>
        <Island name="CheckList" component={CheckList} props={{ rows }} />
        {canEdit && (
          <section class="check-editor-section" aria-labelledby="add-check">
            <h2 id="add-check">Add check</h2>
            <Island
              name="CheckEditor"
              component={CheckEditor}
              props={{ check: null, hosts: await pickable(store) }}
            />
          </section>
        )}
      </>,
      { active: "checks" },
    );
  };
}

const time = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC";

/** A time in ms as the chart's legend writes it: a tenth below 10 ms, whole above. */
const ms = (v: number) => v < 10 ? v.toFixed(1) : String(Math.round(v));

/**
 * Each agent's response time over the page's range, from the check's metric
 * series (hub/probes/series.ts: the tier the range needs), as one SVG line
 * per agent, broken where it sent nothing.
 */
function TimingsChart(
  { series, names }: { series: CheckSeries; names: Map<string, string> },
) {
  const agents = series.agents.filter((a) => a.points.some(([, v]) => v !== null));
  if (!agents.length) {
    return <p class="muted">No response times in this range yet.</p>;
  }
  const w = 600, h = 120;
  const t0 = Date.parse(series.from), t1 = Date.parse(series.to);
  const max = Math.max(
    1,
    ...agents.flatMap((a) => a.points.map(([, v]) => v ?? 0)),
  );
  const x = (t: number) => ((t - t0) / Math.max(1, t1 - t0) * w).toFixed(1);
  // A tenth of headroom, so the highest bucket is not drawn on the edge.
  const y = (v: number) => (h - v / (max * 1.1) * h).toFixed(1);
  // One path per agent, a run of buckets with data per subpath; a bucket alone a dot.
  const path = (points: Array<[number, number | null]>) => {
    const out: string[] = [];
    let run: string[] = [];
    const end = () => {
      if (run.length === 1) out.push(`M${run[0]} l0.01,0`);
      else if (run.length) out.push(`M${run.join(" L")}`);
      run = [];
    };
    for (const [t, v] of points) {
      if (v === null) end();
      else run.push(`${x(t)},${y(v)}`);
    }
    end();
    return out.join(" ");
  };
  return (
    <figure
      class="check-timings"
      data-tier={series.tier}
      data-step-s={series.step_s}
      data-from={series.from}
      data-to={series.to}
    >
      <svg class="timings" viewBox={`0 0 ${w} ${h}`} role="img" preserveAspectRatio="none">
        <title>
          {`Response time per agent, ${series.tier} buckets of ${series.step_s} s, up to ${
            ms(max)
          } ms`}
        </title>
        {agents.map((a, i) => (
          <path
            data-host={a.host_id}
            class={`series-${i % 8}`}
            d={path(a.points)}
            fill="none"
            stroke-width="1.5"
            stroke-linecap="round"
          />
        ))}
      </svg>
      <figcaption>
        {agents.map((a, i) => {
          const vals = a.points.map(([, v]) => v).filter((v): v is number => v !== null);
          return (
            <span class={`series-${i % 8}`} data-host={a.host_id} data-buckets={vals.length}>
              {names.get(a.host_id) ?? a.host_id}: {vals.length} buckets, mean{" "}
              {ms(vals.reduce((s, v) => s + v, 0) / vals.length)} ms{" "}
            </span>
          );
        })}
      </figcaption>
    </figure>
  );
}

export function checkPage({ store, probes, retention = DEFAULT_RETENTION }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const def = await store.probes.getCheck(c.req.param("id")!);
    if (!def) throw new HttpError(404, "not_found", "No such check");
    const now = Date.now();
    const view = checkView(viewFromQuery(new URL(c.req.url).searchParams));
    const [row, last, series, incidents, hosts, perAgent] = await Promise.all([
      checkRow(store, def, probes?.status(def.id), now),
      store.probes.lastRounds(def.id),
      checkSeries(
        store,
        def,
        "check_response_ms",
        now - view.last * 1000,
        now,
        retention,
        now,
      ),
      store.probes.incidents(def.id, now - 90 * DAY_MS, now, 50),
      store.hosts.list(),
      agentUptime(store, def.id, now),
    ]);
    const names = new Map(hosts.map((h) => [h.id, h.name]));
    const canEdit = c.var.user?.role === "admin";
    return page(
      c,
      def.name,
      <>
        <p>
          <a href="/checks">Checks</a>
        </p>
        <h1>{def.name}</h1>
        <p class="muted">
          {def.type} {shownDef(def).target} every {def.interval_s} s; down when {def.k}{" "}
          agent{def.k > 1 ? "s" : ""} fail {def.rounds} rounds in a row
        </p>
        <Island name="CheckList" component={CheckList} props={{ rows: [row] }} />
        <h2>Agents</h2>
        {last.length
          ? (
            <table class="check-agents">
              <thead>
                <tr>
                  <th>Host</th>
                  <th>Last round</th>
                  <th>Time</th>
                  <th>Result</th>
                  <th>24 h</th>
                </tr>
              </thead>
              <tbody>
                {last.map((r) => (
                  <tr data-host={r.host_id}>
                    <td>
                      <a href={`/hosts/${r.host_id}`}>{names.get(r.host_id) ?? r.host_id}</a>
                    </td>
                    <td>{time(r.ts)}</td>
                    <td>{r.ms} ms</td>
                    <td class={r.ok ? "ok" : "failing"}>{r.ok ? "ok" : "failed"}: {r.message}</td>
                    <td>{perAgent[r.host_id]?.["24h"] ?? "–"} %</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
          : <p class="muted">No agent has reported yet.</p>}
        <h2>Response time</h2>
        <nav class="ranges" aria-label="Range">
          {CHECK_RANGES.map((r) => (
            <a
              href={`/checks/${def.id}?range=${r.key}`}
              aria-current={r.seconds === view.last ? "true" : undefined}
            >
              {r.label}
            </a>
          ))}
        </nav>
        <TimingsChart series={series} names={names} />
        <h2>Incidents</h2>
        {incidents.length
          ? (
            <table class="incidents">
              <thead>
                <tr>
                  <th>Down from</th>
                  <th>Until</th>
                  <th>Cause</th>
                </tr>
              </thead>
              <tbody>
                {incidents.map((i) => (
                  <tr>
                    <td>{time(i.started_at)}</td>
                    <td>{i.ended_at === null ? "ongoing" : time(i.ended_at)}</td>
                    <td>{i.cause}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
          : <p class="muted">None in the last 90 days.</p>}
        {canEdit && (
          <section class="check-editor-section" aria-labelledby="edit-check">
            <h2 id="edit-check">Edit</h2>
            <Island
              name="CheckEditor"
              component={CheckEditor}
              props={{
                check: shownDef(def),
                hosts: hosts.filter((h) => h.registered).map((h) => ({ id: h.id, name: h.name })),
              }}
            />
          </section>
        )}
      </>,
      { active: "checks" },
    );
  };
}

/** GET /checks/:id/delete (admins): asks first, saying what goes with the check. */
export function deleteCheckPage({ store }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    const def = await store.probes.getCheck(c.req.param("id")!);
    if (!def) throw new HttpError(404, "not_found", "No such check");
    return page(
      c,
      `Delete ${def.name}`,
      <Confirm
        title={`Delete the check ${def.name}?`}
        action={`/checks/${def.id}/delete`}
        confirm="Delete check"
        cancel={`/checks/${def.id}`}
      >
        <p>
          It tests {def.type}
          {def.target ? ` ${shownDef(def).target}` : ""} every {def.interval_s}{" "}
          s. Removed with it: its rounds, its incidents and its uptime history; its agents stop
          running it, and alerts on it close.{def.type === "push"
            ? " Its push URL stops working: a cron job still calling it is refused."
            : ""}
        </p>
      </Confirm>,
      { active: "checks" },
    );
  };
}

/** POST /checks/:id/delete (admins): deletes (audited) and goes back to the checks. */
export function deleteCheck(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c);
    await deleteCheckOf(deps, actorOf(c), c.req.param("id")!);
    return c.redirect("/checks", 303);
  };
}
