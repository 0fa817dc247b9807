/**
 * The host page's charts: one uPlot chart per concern (CPU, cores, memory,
 * load, disk usage, disk I/O, network, temperatures), a range picker reading
 * the REST API, and live refreshes when the host sends a batch.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { type ChartDef, describeStep, makePlot, type SeriesDef } from "./plot.ts";
import { onLive } from "./live.ts";

export type { ChartDef, SeriesDef };

/** Preset ranges: the last N seconds. */
const RANGES: Array<[string, number]> = [
  ["15 min", 15 * 60],
  ["1 h", 3600],
  ["6 h", 6 * 3600],
  ["24 h", 86400],
  ["7 d", 7 * 86400],
  ["30 d", 30 * 86400],
  ["90 d", 90 * 86400],
  ["1 y", 365 * 86400],
];

/** What the charts show: the last N seconds (follows now), or a fixed span. */
export type View = { last: number } | { from: number; to: number };

/** The [from, to) in ms a view covers at `now`. */
function span(view: View, now: number): [number, number] {
  return "last" in view ? [now - view.last * 1000, now] : [view.from, view.to];
}

/** Zooming in stops at this span. */
const MIN_ZOOM_MS = 60_000;

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

/** Bands only where a chart has few lines: a band per core would hide the lines. */
const MAX_BANDED_SERIES = 4;

function Chart(
  { hostId, def, view, tick, onZoom, onZoomOut }: {
    hostId: string;
    def: ChartDef;
    view: View;
    tick: number;
    onZoom: (from: number, to: number) => void;
    onZoomOut: () => void;
  },
) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<{ u: uPlot; layout: string } | null>(null);
  const zoom = useRef({ onZoom, onZoomOut });
  zoom.current = { onZoom, onZoomOut };
  const [error, setError] = useState<string | null>(null);
  const [points, setPoints] = useState(0);
  const [shown, setShown] = useState<{ tier: string; step: number; bands: boolean } | null>(null);

  useEffect(() => {
    let cancelled = false;
    const [from, to] = span(view, Date.now());
    Promise.all(def.series.map((s) => fetchSeries(hostId, s, from, to))).then((all) => {
      if (cancelled || !el.current) return;
      setError(null);
      const { tier, step_s } = all[0];
      const bands = tier !== "raw" && def.series.length <= MAX_BANDED_SERIES;
      const xs = all[0].points.map(([t]) => t / 1000);
      // Columns: x, each series' average, then (with bands) each one's min and max.
      const data: uPlot.AlignedData = [
        xs,
        ...all.map((a) => a.points.map(([, v]) => v)),
        ...(bands ? all.flatMap((a) => [a.min, a.max]) : []),
      ];
      setPoints(all[0].points.filter(([, v]) => v !== null).length);
      setShown({ tier, step: step_s, bands });
      const layout = `${bands}:${def.series.length}`;
      if (plot.current?.layout === layout) {
        plot.current.u.setData(data);
        return;
      }
      plot.current?.u.destroy();
      plot.current = { u: makePlot(el.current, def, data, bands, zoom), layout };
    }).catch((err) => !cancelled && setError(err.message));
    return () => {
      cancelled = true;
    };
  }, [hostId, def, view, tick]);

  useEffect(() => {
    if (!el.current) return;
    const node = el.current;
    const ro = new ResizeObserver(() => {
      plot.current?.u.setSize({ width: node.clientWidth, height: 200 });
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

  return (
    <section
      class="chart"
      aria-labelledby={`chart-${def.id}`}
      data-chart={def.id}
      data-points={points}
      data-tier={shown?.tier ?? ""}
      data-bands={shown ? String(shown.bands) : ""}
    >
      <header>
        <h3 id={`chart-${def.id}`}>{def.title}</h3>
        {shown && <small class="tier">{describeStep(shown.tier, shown.step, shown.bands)}</small>}
      </header>
      {error && <p class="error" role="alert">{error}</p>}
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
    if (t - f < MIN_ZOOM_MS) return setError("From must be at least a minute before to.");
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

/** The range picker and every chart of one host. */
export default function HostCharts({ hostId, charts }: { hostId: string; charts: ChartDef[] }) {
  const [view, setView] = useState<View>({ last: 3600 });
  // Views zoomed in from, newest last: double-click goes back one.
  const [history, setHistory] = useState<View[]>([]);
  const [custom, setCustom] = useState(false);
  const [tick, setTick] = useState(0);
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

  const choose = (next: View) => {
    setHistory([]);
    setView(next);
  };
  const zoomIn = (from: number, to: number) => {
    if (to - from < MIN_ZOOM_MS) return;
    setHistory((h) => [...h, view]);
    setView({ from: Math.round(from), to: Math.round(to) });
  };
  const zoomOut = () => {
    if (history.length) {
      setView(history[history.length - 1]);
      setHistory(history.slice(0, -1));
      return;
    }
    // Nothing to go back to: twice as wide around the middle, never past now.
    const now = Date.now();
    const [from, to] = span(view, now);
    const end = Math.min(now, to + (to - from) / 2);
    setView({ from: end - 2 * (to - from), to: end });
  };

  return (
    <div class="charts">
      <div class="ranges" role="group" aria-label="Time range">
        {RANGES.map(([label, s]) => (
          <button
            type="button"
            aria-pressed={"last" in view && view.last === s}
            onClick={() => {
              setCustom(false);
              choose({ last: s });
            }}
          >
            {label}
          </button>
        ))}
        <button
          type="button"
          aria-pressed={custom || "from" in view}
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
            onZoom={zoomIn}
            onZoomOut={zoomOut}
          />
        ))}
      </div>
    </div>
  );
}
