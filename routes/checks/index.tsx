/** GET /checks: every uptime check, live; GET /checks/:id: one, per agent, with its incidents. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { HttpError } from "../../hub/http/errors.ts";
import { Island } from "../../components/Island.tsx";
import CheckList from "../../islands/CheckList.tsx";
import { checkRow } from "../../hub/probes/rows.ts";
import { agentUptime, shownDef } from "../../hub/probes/view.ts";

const DAY_MS = 86_400_000;

export function checksPage({ store, probes }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const defs = await store.probes.listChecks();
    const rows = await Promise.all(defs.map((d) => checkRow(store, d, probes?.status(d.id))));
    return page(
      c,
      "Checks",
      <>
        <h1>Checks</h1>
        <p class="muted">
          Services tested from the agents (or pushed to by a cron job). Admins add and change checks
          through <code>/api/v1/checks</code>.
        </p>
        <Island name="CheckList" component={CheckList} props={{ rows }} />
      </>,
      { active: "checks" },
    );
  };
}

const time = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC";

/** The timings of the newest rounds of each agent, as a small SVG line per phase. */
function TimingsChart({ rounds }: { rounds: Array<{ ts: number; ms: number }> }) {
  if (rounds.length < 2) return <p class="muted">Not enough rounds for a chart yet.</p>;
  const w = 600, h = 120;
  const t0 = rounds[0].ts, t1 = rounds[rounds.length - 1].ts;
  const max = Math.max(...rounds.map((r) => r.ms), 1);
  const points = rounds.map((r) =>
    `${((r.ts - t0) / Math.max(1, t1 - t0) * w).toFixed(1)},${(h - r.ms / max * h).toFixed(1)}`
  ).join(" ");
  return (
    <svg class="timings" viewBox={`0 0 ${w} ${h}`} role="img" preserveAspectRatio="none">
      <title>{`Response time, ${rounds.length} rounds, up to ${Math.round(max)} ms`}</title>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}

export function checkPage({ store, probes }: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const def = await store.probes.getCheck(c.req.param("id")!);
    if (!def) throw new HttpError(404, "not_found", "No such check");
    const now = Date.now();
    const [row, last, rounds, incidents, hosts, perAgent] = await Promise.all([
      checkRow(store, def, probes?.status(def.id), now),
      store.probes.lastRounds(def.id),
      store.probes.rounds(def.id, now - DAY_MS, now, 500),
      store.probes.incidents(def.id, now - 90 * DAY_MS, now, 50),
      store.hosts.list(),
      agentUptime(store, def.id, now),
    ]);
    const names = new Map(hosts.map((h) => [h.id, h.name]));
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
        <h2>Response time, last 24 h</h2>
        <TimingsChart rounds={rounds} />
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
      </>,
      { active: "checks" },
    );
  };
}
