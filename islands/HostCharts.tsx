/**
 * The host page's charts: one uPlot chart per concern (CPU, cores, memory,
 * load, disk usage, disk I/O, network, temperatures), a range picker reading
 * the REST API, and live refreshes when the host sends a batch. The view
 * (range, zoom, custom span) lives in the URL (lib/chart_view.ts), the
 * colours in the theme (chart_theme.ts), and the hover cursor is shared.
 * What changed on the host in the view's span is read once for every chart
 * and marked on each; it is read again whenever the charts are (the view
 * moves, or a live view refreshes on a batch), so a reboot, which a batch
 * reveals, is marked with the batch that revealed it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { type ChartDef, describeStep, makePlot, PLOT_HEIGHT, type SeriesDef } from "./plot.ts";
import { type ChartTheme, readTheme, watchTheme } from "./chart_theme.ts";
import { onLive } from "./live.ts";
import {
  DEFAULT_VIEW,
  MIN_SPAN_MS,
  RANGES,
  span,
  type View,
  viewToQuery,
} from "../lib/chart_view.ts";
import { coverage } from "../lib/chart_data.ts";
import type { ChangeView } from "../lib/changes.ts";
import { carryRange } from "./carry_range.ts";

export type { ChartDef, SeriesDef };

/** One series of the metrics API's answer. */
interface SeriesAnswer {
  tier: string;
  step_s: number;
  points: Array<[number, number | null]>;
  min: Array<number | null>;
  max: Array<number | null>;
}

async function fetchSeries(
  hostId: string,
  s: SeriesDef,
  from: number,
  to: number,
): Promise<SeriesAnswer> {
  const q = new URLSearchParams({
    metric: s.metric,
    label: s.label,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
  });
  const res = await fetch(`/api/v1/hosts/${encodeURIComponent(hostId)}/metrics?${q}`);
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    throw new Error(body?.error?.message ?? `Cannot load ${s.metric}: ${res.status}`);
  }
  return await res.json();
}

/** The host's changes over [from, to), as the REST API answers them. */
async function fetchChanges(hostId: string, from: number, to: number): Promise<ChangeView[]> {
  const q = new URLSearchParams({
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
  });
  const res = await fetch(`/api/v1/hosts/${encodeURIComponent(hostId)}/changes?${q}`);
  if (!res.ok) throw new Error(`Cannot load changes: ${res.status}`);
  return await res.json();
}

/**
 * When the series' first sample in [from, to) arrived, to the agent's
 * interval: the first bucket with a value, narrowed down tier by tier (a
 * day's bucket, then 2 min ones, then raw samples); null when there is none.
 */
async function firstSample(
  hostId: string,
  s: SeriesDef,
  from: number,
  to: number,
): Promise<number | null> {
  // A day narrows to 2 min buckets, those to raw samples: three reads at most.
  for (let i = 0; i < 3; i++) {
    const a = await fetchSeries(hostId, s, from, to);
    const first = a.points.find(([, v]) => v !== null);
    if (!first) return null;
    if (a.tier === "raw") return first[0];
    from = first[0];
    to = Math.min(to, from + a.step_s * 1000);
  }
  return from;
}

/** "14:05", or "3 May 14:05" when not today. */
function formatSince(ms: number): string {
  const d = new Date(ms);
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return d.toDateString() === new Date().toDateString()
    ? time
    : `${d.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}

/** Bands only where a chart has few lines: a band per core would hide the lines. */
const MAX_BANDED_SERIES = 4;

/** One chart's answer, ready to draw. */
interface Loaded {
  data: uPlot.AlignedData;
  tier: string;
  stepMs: number;
  bands: boolean;
  /** The view's span in ms. */
  span: [number, number];
  /** Points with a value in the first series. */
  points: number;
  /** The newest bucket with a value in any series, or null. */
  last: number | null;
  coverage: ReturnType<typeof coverage>;
}

function load(all: SeriesAnswer[], def: ChartDef, from: number, to: number): Loaded {
  const { tier, step_s } = all[0];
  const bands = tier !== "raw" && def.series.length <= MAX_BANDED_SERIES;
  const xs = all[0].points.map(([t]) => t / 1000);
  const lines = all.map((a) => a.points.map(([, v]) => v));
  let last: number | null = null;
  for (const line of lines) {
    const i = line.findLastIndex((v) => v !== null);
    if (i >= 0 && (last === null || xs[i] * 1000 > last)) last = xs[i] * 1000;
  }
  return {
    // Columns: x, each series' average, then (with bands) each one's min and max.
    data: [xs, ...lines, ...(bands ? all.flatMap((a) => [a.min, a.max]) : [])],
    tier,
    stepMs: step_s * 1000,
    bands,
    span: [from, to],
    points: lines[0].filter((v) => v !== null).length,
    last,
    coverage: coverage(lines),
  };
}

function Chart(
  { hostId, def, view, tick, theme, changes, onZoom, onZoomOut }: {
    hostId: string;
    def: ChartDef;
    view: View;
    tick: number;
    theme: ChartTheme | null;
    changes: ChangeView[];
    onZoom: (from: number, to: number) => void;
    onZoomOut: () => void;
  },
) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<{ u: uPlot; layout: string; theme: ChartTheme } | null>(null);
  const zoom = useRef({ onZoom, onZoomOut });
  zoom.current = { onZoom, onZoomOut };
  const xRange = useRef<[number, number]>([0, 1]);
  const marks = useRef(changes);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  // When a young host started sending, for the "not enough data" note.
  const [since, setSince] = useState<number | null>(null);

  useEffect(() => {
    let cancelled = false;
    const [from, to] = span(view, Date.now());
    Promise.all(def.series.map((s) => fetchSeries(hostId, s, from, to))).then((all) => {
      if (cancelled) return;
      setError(null);
      setLoaded(load(all, def, from, to));
    }).catch((err) => !cancelled && setError(err.message));
    return () => {
      cancelled = true;
    };
  }, [hostId, def, view, tick]);

  // Draws the answer, in a new plot when the layout or the theme changed.
  useEffect(() => {
    if (!loaded || !theme || !el.current) return;
    xRange.current = [loaded.span[0] / 1000, loaded.span[1] / 1000];
    const layout = `${loaded.bands}:${def.series.length}`;
    if (plot.current?.layout === layout && plot.current.theme === theme) {
      plot.current.u.setData(loaded.data);
      return;
    }
    plot.current?.u.destroy();
    const u = makePlot(el.current, def, loaded.data, loaded.bands, {
      theme,
      syncKey: `host-${hostId}`,
      xRange,
      zoom,
      changes: marks,
    });
    plot.current = { u, layout, theme };
  }, [loaded, theme]);

  // New changes redraw the markers alone (the plot reads them on each draw).
  useEffect(() => {
    marks.current = changes;
    plot.current?.u.redraw(false);
  }, [changes]);

  // A young host: find when it started sending, once per answer that needs it.
  const young = loaded?.coverage.state === "young";
  const firstBucket = young ? loaded!.data[0][loaded!.coverage.first] * 1000 : null;
  useEffect(() => {
    setSince(null);
    if (firstBucket === null || !loaded) return;
    let cancelled = false;
    const s = def.series[loaded.data.slice(1).findIndex((l) => l[loaded.coverage.first] != null)];
    firstSample(hostId, s, firstBucket, Math.min(loaded.span[1], firstBucket + loaded.stepMs))
      .then((t) => !cancelled && setSince(t ?? firstBucket))
      .catch(() => !cancelled && setSince(firstBucket));
    return () => {
      cancelled = true;
    };
  }, [firstBucket]);

  useEffect(() => {
    if (!el.current) return;
    const node = el.current;
    const ro = new ResizeObserver(() => {
      plot.current?.u.setSize({ width: node.clientWidth, height: PLOT_HEIGHT });
    });
    ro.observe(node);
    const out = () => zoom.current.onZoomOut();
    node.addEventListener("dblclick", out);
    return () => {
      ro.disconnect();
      node.removeEventListener("dblclick", out);
      plot.current?.u.destroy();
      plot.current = null;
    };
  }, []);

  const note = loaded?.coverage.state === "none"
    ? "No data in this range."
    : young && since !== null
    ? `Not enough data yet for this range: collected since ${formatSince(since)}`
    : null;
  return (
    <section
      class="chart"
      aria-labelledby={`chart-${def.id}`}
      data-chart={def.id}
      data-points={loaded?.points ?? 0}
      data-tier={loaded?.tier ?? ""}
      data-bands={loaded ? String(loaded.bands) : ""}
      data-step={loaded?.stepMs ?? ""}
      data-last={loaded?.last ?? ""}
    >
      <header>
        <h3 id={`chart-${def.id}`}>{def.title}</h3>
        {loaded && (
          <small class="tier">
            {describeStep(loaded.tier, loaded.stepMs / 1000, loaded.bands)}
          </small>
        )}
      </header>
      {error && <p class="error" role="alert">{error}</p>}
      {note && <p class="chart-note" data-since={since ?? ""}>{note}</p>}
      <div class="plot" ref={el} title="Drag to zoom in, double-click to zoom out" />
    </section>
  );
}

/** A Date as the value of an `<input type="datetime-local">` (local time). */
function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** The custom range form: two local times, checked before use. */
function CustomRange({ view, onApply }: { view: View; onApply: (v: View) => void }) {
  // The view when the form opened; what the user types is left alone after.
  const [[from, to]] = useState(() => span(view, Date.now()));
  const [error, setError] = useState<string | null>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const f = new Date(String(form.get("from"))).getTime();
    const t = new Date(String(form.get("to"))).getTime();
    if (!Number.isFinite(f) || !Number.isFinite(t)) return setError("Enter both times.");
    if (t - f < MIN_SPAN_MS) return setError("From must be at least a minute before to.");
    setError(null);
    onApply({ from: f, to: t });
  };
  return (
    <form class="custom-range" onSubmit={submit}>
      <label>
        From <input type="datetime-local" name="from" required defaultValue={toLocalInput(from)} />
      </label>
      <label>
        To <input type="datetime-local" name="to" required defaultValue={toLocalInput(to)} />
      </label>
      <button type="submit">Show</button>
      {error && <span class="error" role="alert">{error}</span>}
    </form>
  );
}

/** The theme's chart colours, read again whenever the theme changes; null on the server. */
function useChartTheme(): ChartTheme | null {
  const [theme, setTheme] = useState<ChartTheme | null>(null);
  useEffect(() => {
    setTheme(readTheme());
    return watchTheme(() => setTheme(readTheme()));
  }, []);
  return theme;
}

/**
 * The range picker and every chart of one host. `view` is what the page's
 * URL asked for (read on the server, so the first render already shows it).
 */
export default function HostCharts(
  { hostId, charts, view: initial = DEFAULT_VIEW }: {
    hostId: string;
    charts: ChartDef[];
    view?: View;
  },
) {
  const [view, setView] = useState<View>(initial);
  // Views zoomed in from, newest last: double-click goes back one.
  const [zoomedFrom, setZoomedFrom] = useState<View[]>([]);
  const [custom, setCustom] = useState(false);
  const [tick, setTick] = useState(0);
  const [changes, setChanges] = useState<ChangeView[]>([]);
  const theme = useChartTheme();
  const live = "last" in view && view.last <= 86400;

  useEffect(() => {
    // Refresh on new data, at most every 2 s; long and fixed ranges gain nothing visible.
    if (!live) return;
    let timer: ReturnType<typeof setTimeout> | 0 = 0;
    const stop = onLive("host.metrics", (d) => {
      if (d.id !== hostId || timer) return;
      timer = setTimeout(() => {
        timer = 0;
        setTick((t) => t + 1);
      }, 2000);
    }, hostId);
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [hostId, live]);

  // Once for all charts: the same markers on each.
  useEffect(() => {
    let cancelled = false;
    const [from, to] = span(view, Date.now());
    fetchChanges(hostId, from, to).then((c) => !cancelled && setChanges(c)).catch((err) =>
      // Markers are a help to reading the charts; the charts stand without them.
      console.warn(err.message)
    );
    return () => {
      cancelled = true;
    };
  }, [hostId, view, tick]);

  // The URL follows the view, in place: a reload or a shared link opens it again,
  // and Back leaves the page rather than stepping through every zoom.
  useEffect(() => {
    const query = viewToQuery(view, new URLSearchParams(location.search)).toString();
    const url = `${location.pathname}${query ? `?${query}` : ""}${location.hash}`;
    if (url !== `${location.pathname}${location.search}${location.hash}`) {
      history.replaceState(history.state, "", url);
      carryRange();
    }
  }, [view]);

  const choose = (next: View) => {
    setZoomedFrom([]);
    setView(next);
  };
  const zoomIn = (from: number, to: number) => {
    if (to - from < MIN_SPAN_MS) return;
    setZoomedFrom((h) => [...h, view]);
    setView({ from: Math.round(from), to: Math.round(to) });
  };
  const zoomOut = () => {
    if (zoomedFrom.length) {
      setView(zoomedFrom[zoomedFrom.length - 1]);
      setZoomedFrom(zoomedFrom.slice(0, -1));
      return;
    }
    // Nothing to go back to: twice as wide around the middle, never past now.
    const now = Date.now();
    const [from, to] = span(view, now);
    const end = Math.min(now, to + (to - from) / 2);
    setView({ from: end - 2 * (to - from), to: end });
  };

  // Exactly one button is pressed: Custom while its form is open or a fixed span shows.
  const customPressed = custom || "from" in view;
  return (
    <div class="charts">
      <div class="ranges" role="group" aria-label="Time range">
        {RANGES.map((r) => (
          <button
            type="button"
            aria-pressed={!customPressed && "last" in view && view.last === r.seconds}
            onClick={() => {
              setCustom(false);
              choose({ last: r.seconds });
            }}
          >
            {r.label}
          </button>
        ))}
        <button
          type="button"
          aria-pressed={customPressed}
          aria-expanded={custom}
          onClick={() => setCustom(!custom)}
        >
          Custom
        </button>
        {"from" in view && (
          <span class="view-span" data-view-span>
            {new Date(view.from).toLocaleString()} – {new Date(view.to).toLocaleString()}
          </span>
        )}
      </div>
      {custom && <CustomRange view={view} onApply={choose} />}
      <div class="chart-grid">
        {charts.map((def) => (
          <Chart
            key={def.id}
            hostId={hostId}
            def={def}
            view={view}
            tick={tick}
            theme={theme}
            changes={changes}
            onZoom={zoomIn}
            onZoomOut={zoomOut}
          />
        ))}
      </div>
    </div>
  );
}
