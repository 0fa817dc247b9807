/**
 * A table of containers: one host's (its Containers tab) or the fleet's
 * (the Containers page, searchable by name or image and filtered by state,
 * the filter kept in the URL). Kept live: a stored batch of the host (or,
 * fleet-wide, of any host) brings the list again from the REST API, at most
 * every few seconds, since the batch is what carries the containers.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { formatAgo, formatBytes } from "../lib/format.ts";
import {
  CONTAINER_STATES,
  type ContainerView,
  type FleetContainerView,
} from "../lib/containers.ts";
import { onLive } from "./live.ts";
import { useNow } from "./clock.ts";
import { globMatch } from "../lib/actions/glob.ts";
import type { ActionListAnswer } from "../hub/control/types.ts";
import { actionList, Confirm, type Outcome, OutcomeView, signAndRun } from "./action_kit.tsx";

export interface ContainerTableProps {
  /** One host's containers; absent: the fleet's. */
  hostId?: string;
  containers: Array<ContainerView | FleetContainerView>;
  /** The fleet page's filter, as the URL gave it. */
  query?: string;
  state?: string;
  /** How many of the fleet's containers match, when more than are listed. */
  total?: number;
  /** What to say when a host has none (no engine, or none listed). */
  empty: string;
  /**
   * One host's table for an admin: the container actions its action file
   * allows (issue 20), offered on the containers whose names they match.
   */
  actions?: { hostName: string; online: boolean };
}

/** Refreshes at most this often: one host's batches, or the whole fleet's. */
const HOST_REFRESH_MS = 2000;
const FLEET_REFRESH_MS = 5000;

const STATE_CLASS: Record<string, string> = {
  running: "online",
  restarting: "pending",
  paused: "pending",
  created: "muted",
  exited: "offline",
  dead: "offline",
};

function cpu(v: number | null): string {
  return v === null ? "–" : `${v.toFixed(1)}%`;
}

function url(hostId: string | undefined, query: string, state: string): string {
  if (hostId) return `/api/v1/hosts/${encodeURIComponent(hostId)}/containers`;
  const q = new URLSearchParams();
  if (query) q.set("name", query);
  if (state) q.set("state", state);
  const s = q.toString();
  return `/api/v1/containers${s ? `?${s}` : ""}`;
}

export default function ContainerTable(props: ContainerTableProps) {
  const { hostId } = props;
  const [rows, setRows] = useState(props.containers);
  const [query, setQuery] = useState(props.query ?? "");
  const [state, setState] = useState(props.state ?? "");
  const [failed, setFailed] = useState(false);
  const [total, setTotal] = useState(props.total ?? props.containers.length);
  const [tick, setTick] = useState(0);
  const first = useRef(true);
  const now = useNow();
  const [allowed, setAllowed] = useState<ActionListAnswer["actions"]>([]);
  /** The run being confirmed, and each run's outcome, by `action container`. */
  const [asking, setAsking] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  const acting = Boolean(hostId && props.actions);

  useEffect(() => {
    if (!hostId || !props.actions?.online) return;
    // An agent that cannot say (offline) offers nothing here; the host page says why.
    actionList(hostId).then((r) => {
      if (typeof r !== "string") setAllowed(r.actions.filter((a) => a.kind === "container"));
    });
  }, [hostId]);

  const run = async (action: string, container: string) => {
    const key = `${action} ${container}`;
    setAsking(null);
    setOutcomes((o) => ({ ...o, [key]: { state: "running" } }));
    const outcome = await signAndRun(hostId!, action, { container });
    setOutcomes((o) => ({ ...o, [key]: outcome }));
  };
  const columns = 8 + (hostId ? 0 : 1) + (acting ? 1 : 0);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | 0 = 0;
    const stop = onLive("host.metrics", (d) => {
      if ((hostId && d.id !== hostId) || timer) return;
      timer = setTimeout(() => {
        timer = 0;
        setTick((t) => t + 1);
      }, hostId ? HOST_REFRESH_MS : FLEET_REFRESH_MS);
    }, hostId);
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [hostId]);

  useEffect(() => {
    if (first.current) {
      first.current = false; // the first render already has them
      return;
    }
    const ctl = new AbortController();
    // Typing waits a moment; a live refresh goes at once.
    const t = setTimeout(async () => {
      try {
        const res = await fetch(url(hostId, query.trim(), state), { signal: ctl.signal });
        if (!res.ok) throw new Error(String(res.status));
        const got = await res.json();
        setRows(got);
        setTotal(Number(res.headers.get("sightline-total") ?? got.length));
        setFailed(false);
      } catch {
        if (!ctl.signal.aborted) setFailed(true);
      }
    }, 250);
    if (!hostId) {
      const q = new URLSearchParams(location.search);
      for (const [k, v] of [["name", query.trim()], ["state", state]]) {
        if (v) q.set(k, v);
        else q.delete(k);
      }
      const s = q.toString();
      history.replaceState(null, "", `${location.pathname}${s ? `?${s}` : ""}`);
    }
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [hostId, query, state, tick]);

  return (
    <section class="containers">
      {!hostId && (
        <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <label>
            Name or image{" "}
            <input
              type="search"
              name="name"
              value={query}
              maxLength={128}
              onInput={(e) => setQuery(e.currentTarget.value)}
            />
          </label>
          <label>
            State{" "}
            <select name="state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
              <option value="">any</option>
              {CONTAINER_STATES.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </label>
        </form>
      )}
      {failed && <p class="error" role="alert">Could not refresh the list; retrying.</p>}
      {total > rows.length && (
        <p class="muted" data-truncated>
          Showing the first {rows.length.toLocaleString("en")} of {total.toLocaleString("en")}{" "}
          containers by name; narrow the search to see the rest.
        </p>
      )}
      {rows.length === 0
        ? (
          <p class="empty">
            {hostId || (!query && !state) ? props.empty : "No container matches."}
          </p>
        )
        : (
          // A card per container on a phone (app.css), as alerts and hosts are.
          <div class="table-wrap">
            <table class="cards containers-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  {!hostId && <th scope="col">Host</th>}
                  <th scope="col">Image</th>
                  <th scope="col">State</th>
                  <th scope="col">Health</th>
                  <th scope="col" class="num">CPU</th>
                  <th scope="col" class="num">Memory</th>
                  <th scope="col" class="num">Restarts</th>
                  <th scope="col">Started</th>
                  {acting && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => {
                  const offered = allowed.filter((a) =>
                    a.params.some((p) => p.name === "container" && globMatch(p.pattern!, c.name))
                  );
                  const here = offered.map((a) => `${a.name} ${c.name}`);
                  return [
                    <tr key={c.id} data-container={c.name}>
                      <th scope="row">{c.name}</th>
                      {!hostId && "host" in c && (
                        <td data-label="Host">
                          <a href={`/hosts/${encodeURIComponent(c.host.id)}/containers`}>
                            {c.host.name ?? c.host.id}
                          </a>
                        </td>
                      )}
                      <td class="image" data-label="Image">{c.image}</td>
                      <td data-label="State">
                        <span class={`badge ${STATE_CLASS[c.state] ?? "muted"}`}>{c.state}</span>
                      </td>
                      <td data-label="Health">{c.health || "–"}</td>
                      <td class="num" data-label="CPU" data-cpu>{cpu(c.cpu_percent)}</td>
                      <td class="num" data-label="Memory" data-mem>{formatBytes(c.mem_bytes)}</td>
                      <td class="num" data-label="Restarts">{c.restarts}</td>
                      <td data-label="Started">
                        {c.started_at ? formatAgo(c.started_at, now) : "–"}
                      </td>
                      {acting && (
                        <td class="row-actions" data-label="Actions">
                          {offered.map((a) => (
                            <button
                              key={a.name}
                              type="button"
                              title={a.description}
                              disabled={outcomes[`${a.name} ${c.name}`]?.state === "running"}
                              onClick={() => setAsking(`${a.name} ${c.name}`)}
                            >
                              {a.name}…
                            </button>
                          ))}
                        </td>
                      )}
                    </tr>,
                    ...here.filter((k) => asking === k || outcomes[k]).map((k) => {
                      const action = k.slice(0, k.indexOf(" "));
                      return (
                        <tr key={`${c.id} ${k}`} class="action-row" data-action-row={k}>
                          <td colSpan={columns}>
                            {asking === k && (
                              <Confirm
                                action={action}
                                params={{ container: c.name }}
                                hostName={props.actions!.hostName}
                                onRun={() => run(action, c.name)}
                                onCancel={() => setAsking(null)}
                              />
                            )}
                            <OutcomeView outcome={outcomes[k]} />
                          </td>
                        </tr>
                      );
                    }),
                  ];
                })}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}
