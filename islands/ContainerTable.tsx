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

export interface ContainerTableProps {
  /** One host's containers; absent: the fleet's. */
  hostId?: string;
  containers: Array<ContainerView | FleetContainerView>;
  /** The fleet page's filter, as the URL gave it. */
  query?: string;
  state?: string;
  /** What to say when a host has none (no engine, or none listed). */
  empty: string;
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
  const [tick, setTick] = useState(0);
  const first = useRef(true);
  const now = useNow();

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
        setRows(await res.json());
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
      {rows.length === 0
        ? (
          <p class="empty">
            {hostId || (!query && !state) ? props.empty : "No container matches."}
          </p>
        )
        : (
          <table class="containers-table">
            <thead>
              <tr>
                <th>Name</th>
                {!hostId && <th>Host</th>}
                <th>Image</th>
                <th>State</th>
                <th>Health</th>
                <th class="num">CPU</th>
                <th class="num">Memory</th>
                <th class="num">Restarts</th>
                <th>Started</th>
                {/* Container actions (issue 20, points 3-5) add their column here. */}
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id} data-container={c.name}>
                  <td>{c.name}</td>
                  {!hostId && "host" in c && (
                    <td>
                      <a href={`/hosts/${encodeURIComponent(c.host.id)}/containers`}>
                        {c.host.name ?? c.host.id}
                      </a>
                    </td>
                  )}
                  <td class="image">{c.image}</td>
                  <td>
                    <span class={`badge ${STATE_CLASS[c.state] ?? "muted"}`}>{c.state}</span>
                  </td>
                  <td>{c.health || "–"}</td>
                  <td class="num" data-cpu>{cpu(c.cpu_percent)}</td>
                  <td class="num" data-mem>{formatBytes(c.mem_bytes)}</td>
                  <td class="num">{c.restarts}</td>
                  <td>{c.started_at ? formatAgo(c.started_at, now) : "–"}</td>
                  {/* …and their cell here, one per row. */}
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </section>
  );
}
