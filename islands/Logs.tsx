/**
 * The log search (the Logs page, and a host's Logs tab): a search box and
 * filters, results newest first that load the next page (by cursor) as the
 * list's end scrolls into view, and a live-tail switch. The tail takes the
 * `log.lines` events (a batch's newest lines each) into a buffer and draws
 * it at most four times a second, keeping the newest rows only, so a fleet
 * writing thousands of lines a second costs a few renders a second.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { onLive } from "./live.ts";
import { carryRange } from "./carry_range.ts";
import { RANGES, span, type View, viewToQuery } from "../lib/chart_view.ts";
import type { LiveLogLine } from "../lib/live_events.ts";

export interface LogRow {
  id: string;
  ts: string;
  host_id: string;
  source: string;
  origin: string;
  level: string;
  message: string;
}

export interface LogsProps {
  /** Set on a host's tab: only its lines. */
  hostId?: string;
  hosts: Array<{ id: string; name: string }>;
  sources: Array<{ id: string; label: string }>;
  /** The time range the page's URL names (the charts' too), or null for all time. */
  view: View | null;
}

const PAGE = 100;
/** Rows the live tail keeps on screen. */
const TAIL_ROWS = 500;
const DRAW_MS = 250;
const LEVELS = ["error", "warn", "info", "debug"];

interface Filters {
  q: string;
  host: string;
  source: string;
  level: string;
}

function matches(f: Filters, hostId: string, l: LiveLogLine): boolean {
  return (!f.host || f.host === hostId) && (!f.source || f.source === l.source) &&
    (!f.level || f.level === l.level) &&
    (!f.q || l.message.toLowerCase().includes(f.q.toLowerCase()));
}

/** The search's bounds for a view, as the API takes them. */
function bounds(view: View | null): { from?: string; to?: string } {
  if (!view) return {};
  const [from, to] = span(view, Date.now());
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** The time range picker's value for a view: a preset's key, "span", or "" for all time. */
function rangeKey(view: View | null): string {
  if (!view) return "";
  if ("from" in view) return "span";
  return RANGES.find((r) => r.seconds === view.last)?.key ?? "";
}

export default function Logs({ hostId, hosts, sources, view: initialView }: LogsProps) {
  const [view, setView] = useState<View | null>(initialView);
  const [filters, setFilters] = useState<Filters>({
    q: "",
    host: hostId ?? "",
    source: "",
    level: "",
  });
  const [rows, setRows] = useState<LogRow[]>([]);
  const [next, setNext] = useState<string | null>(null);
  // Busy from the start: the first search runs as the island mounts, and until it has
  // answered the page must not say there are no lines.
  const [busy, setBusy] = useState(true);
  const [error, setError] = useState("");
  const [live, setLive] = useState(false);
  const [skipped, setSkipped] = useState(0);
  const end = useRef<HTMLDivElement>(null);
  const names = new Map(hosts.map((h) => [h.id, h.name]));

  const load = async (f: Filters, cursor?: string, v: View | null = view) => {
    setBusy(true);
    const q = new URLSearchParams({ limit: String(PAGE), ...bounds(v) });
    if (f.q) q.set("q", f.q);
    if (f.host) q.set("host", f.host);
    if (f.source) q.set("source", f.source);
    if (f.level) q.set("level", f.level);
    if (cursor) q.set("cursor", cursor);
    try {
      const res = await fetch(`/api/v1/logs?${q}`);
      const body = await res.json();
      if (!res.ok) return setError(body.error?.message ?? `Search failed (${res.status})`);
      setError("");
      setRows((rs) => cursor ? [...rs, ...body.lines] : body.lines);
      setNext(body.next_cursor);
    } catch {
      setError("Cannot reach the hub");
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    load(filters);
  }, []);

  // The next page when the list's end comes into view (not while tailing).
  useEffect(() => {
    if (!end.current || !next || live) return;
    const seen = new IntersectionObserver((es) => {
      if (es.some((e) => e.isIntersecting) && !busy) load(filters, next);
    });
    seen.observe(end.current);
    return () => seen.disconnect();
  }, [next, busy, live, filters]);

  useEffect(() => {
    if (!live) return;
    let buffer: LogRow[] = [];
    let dropped = 0;
    const off = onLive("log.lines", (d) => {
      dropped += d.count - d.lines.length;
      for (const l of d.lines) {
        if (matches(filters, d.id, l)) buffer.push({ ...l, host_id: d.id });
      }
    }, hostId);
    const timer = setInterval(() => {
      if (!buffer.length && !dropped) return;
      const fresh = buffer.reverse();
      buffer = [];
      const gone = dropped;
      dropped = 0;
      setRows((rs) => [...fresh, ...rs].slice(0, TAIL_ROWS));
      if (gone) setSkipped((n) => n + gone);
    }, DRAW_MS);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [live, filters]);

  const set = (k: keyof Filters) => (e: Event) => {
    const f = { ...filters, [k]: (e.target as HTMLInputElement).value };
    setFilters(f);
    if (k !== "q") load(f);
  };

  // The range is the page URL's, as the charts keep it: written back in place, and
  // carried by the host's tabs.
  const pickRange = (e: Event) => {
    const key = (e.target as HTMLSelectElement).value;
    if (key === "span") return;
    const preset = RANGES.find((r) => r.key === key);
    const next: View | null = preset ? { last: preset.seconds } : null;
    setView(next);
    const q = new URLSearchParams(location.search);
    for (const k of ["range", "from", "to"]) q.delete(k);
    const written = next ? viewToQuery(next, q) : q;
    // The charts' default range writes no parameter; the logs must still say it.
    if (next && !written.has("range") && preset) written.set("range", preset.key);
    const query = written.toString();
    history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}`);
    carryRange();
    load(filters, undefined, next);
  };

  return (
    <div class="logs">
      <form
        class="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          load(filters);
        }}
      >
        <input
          type="search"
          name="q"
          placeholder="Search lines"
          aria-label="Search lines"
          value={filters.q}
          onInput={set("q")}
        />
        {!hostId && (
          <select aria-label="Host" value={filters.host} onChange={set("host")}>
            <option value="">all hosts</option>
            {hosts.map((h) => <option key={h.id} value={h.id}>{h.name}</option>)}
          </select>
        )}
        <select aria-label="Source" value={filters.source} onChange={set("source")}>
          <option value="">all sources</option>
          {sources.map((s) => <option key={s.id} value={s.id}>{s.label}</option>)}
        </select>
        <select aria-label="Level" value={filters.level} onChange={set("level")}>
          <option value="">all levels</option>
          {LEVELS.map((l) => <option key={l} value={l}>{l}</option>)}
        </select>
        <select aria-label="Time range" value={rangeKey(view)} onChange={pickRange}>
          <option value="">all time</option>
          {RANGES.map((r) => <option key={r.key} value={r.key}>last {r.label}</option>)}
          {view && "from" in view && (
            <option value="span">
              {new Date(view.from).toLocaleString()} – {new Date(view.to).toLocaleString()}
            </option>
          )}
        </select>
        <button type="submit" disabled={busy}>Search</button>
        <label class="switch">
          <input
            type="checkbox"
            name="live"
            checked={live}
            onChange={(e) => {
              setLive((e.target as HTMLInputElement).checked);
              setSkipped(0);
            }}
          />{" "}
          Live tail
        </label>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {live && skipped > 0 && (
        <p class="muted">{skipped} lines came too fast to show; search finds them.</p>
      )}
      <table class="log-lines">
        <thead>
          <tr>
            <th>Time</th>
            {!hostId && <th>Host</th>}
            <th>Level</th>
            <th>Line</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.host_id}:${r.id}`} class={`log-row level-${r.level || "none"}`}>
              <td class="nowrap">
                <time dateTime={r.ts}>{r.ts.replace("T", " ").slice(0, 23)}</time>
              </td>
              {!hostId && <td>{names.get(r.host_id) ?? r.host_id}</td>}
              <td>{r.level && <span class={`badge level-${r.level}`}>{r.level}</span>}</td>
              <td class="log-message" title={r.origin}>{r.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!rows.length && !busy && <p class="muted">No lines.</p>}
      <div ref={end} class="log-end">{next && !live && (busy ? "Loading…" : "")}</div>
    </div>
  );
}
