/**
 * The host page's charts: one uPlot chart per concern (CPU, cores, memory,
 * load, disk usage, disk I/O, network, temperatures), a range picker reading
 * the REST API, and live refreshes when the host sends a batch.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { formatBytes, formatPercent, formatRate } from "../lib/format.ts";
import { onLive } from "./live.ts";

/** A line on a chart: one series of the metrics API. */
export interface SeriesDef {
  metric: string;
  label: string;
  name: string;
}

/** One chart. */
export interface ChartDef {
  id: string;
  title: string;
  unit: "percent" | "bytes" | "rate" | "number" | "celsius";
  series: SeriesDef[];
}

const RANGES: Array<[string, number]> = [
  ["15 min", 15 * 60],
  ["1 h", 3600],
  ["6 h", 6 * 3600],
  ["24 h", 86400],
  ["7 d", 7 * 86400],
  ["30 d", 30 * 86400],
];

const COLORS = [
  "#2f7ef5",
  "#e8590c",
  "#2b9348",
  "#c2255c",
  "#7048e8",
  "#0b7285",
  "#e67700",
  "#5c7cfa",
];

const FORMAT: Record<ChartDef["unit"], (v: number) => string> = {
  percent: (v) => formatPercent(v),
  bytes: (v) => formatBytes(v),
  rate: (v) => formatRate(v),
  number: (v) => v.toFixed(2),
  celsius: (v) => `${v.toFixed(1)} °C`,
};

type Points = Array<[number, number | null]>;

async function fetchSeries(hostId: string, s: SeriesDef, from: Date, to: Date): Promise<Points> {
  const q = new URLSearchParams({
    metric: s.metric,
    label: s.label,
    from: from.toISOString(),
    to: to.toISOString(),
  });
  const res = await fetch(`/api/v1/hosts/${encodeURIComponent(hostId)}/metrics?${q}`);
  if (!res.ok) throw new Error(`Cannot load ${s.metric}: ${res.status}`);
  return (await res.json()).points;
}

function Chart(
  { hostId, def, rangeS, tick }: { hostId: string; def: ChartDef; rangeS: number; tick: number },
) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [points, setPoints] = useState(0);

  useEffect(() => {
    let cancelled = false;
    const to = new Date();
    const from = new Date(to.getTime() - rangeS * 1000);
    Promise.all(def.series.map((s) => fetchSeries(hostId, s, from, to))).then((all) => {
      if (cancelled || !el.current) return;
      setError(null);
      const xs = all[0].map(([t]) => t / 1000);
      const data: uPlot.AlignedData = [xs, ...all.map((pts) => pts.map(([, v]) => v))];
      setPoints(all[0].filter(([, v]) => v !== null).length);
      if (plot.current) {
        plot.current.setData(data);
        return;
      }
      const fmt = FORMAT[def.unit];
      plot.current = new uPlot(
        {
          width: el.current.clientWidth || 600,
          height: 200,
          scales: { x: { time: true }, y: def.unit === "percent" ? { range: [0, 100] } : {} },
          series: [
            { value: (_u, v) => (v === null ? "–" : new Date(v * 1000).toLocaleString()) },
            ...def.series.map((s, i) => ({
              label: s.name,
              stroke: COLORS[i % COLORS.length],
              width: 1.5,
              spanGaps: false,
              value: (_u: uPlot, v: number | null) => (v === null ? "–" : fmt(v)),
            })),
          ],
          axes: [
            { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,0.15)" } },
            {
              stroke: "currentColor",
              size: 80,
              grid: { stroke: "rgba(128,128,128,0.15)" },
              values: (_u, vals) => vals.map((v) => fmt(v)),
            },
          ],
          cursor: { drag: { x: true, y: false } },
        },
        data,
        el.current,
      );
    }).catch((err) => !cancelled && setError(err.message));
    return () => {
      cancelled = true;
    };
  }, [hostId, def, rangeS, tick]);

  useEffect(() => {
    if (!el.current) return;
    const ro = new ResizeObserver(() => {
      if (plot.current && el.current) {
        plot.current.setSize({ width: el.current.clientWidth, height: 200 });
      }
    });
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  return (
    <section
      class="chart"
      aria-labelledby={`chart-${def.id}`}
      data-chart={def.id}
      data-points={points}
    >
      <h3 id={`chart-${def.id}`}>{def.title}</h3>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="plot" ref={el} />
    </section>
  );
}

/** The range picker and every chart of one host. */
export default function HostCharts({ hostId, charts }: { hostId: string; charts: ChartDef[] }) {
  const [rangeS, setRangeS] = useState(3600);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    // Refresh on new data, at most every 2 s; long ranges gain nothing visible.
    let timer: ReturnType<typeof setTimeout> | 0 = 0;
    return onLive("host.metrics", (d) => {
      if (d.id !== hostId || rangeS > 86400 || timer) return;
      timer = setTimeout(() => {
        timer = 0;
        setTick((t) => t + 1);
      }, 2000);
    }, hostId);
  }, [hostId, rangeS]);

  return (
    <div class="charts">
      <div class="ranges" role="group" aria-label="Time range">
        {RANGES.map(([label, s]) => (
          <button
            type="button"
            aria-pressed={rangeS === s}
            onClick={() => setRangeS(s)}
          >
            {label}
          </button>
        ))}
      </div>
      <div class="chart-grid">
        {charts.map((def) => (
          <Chart key={def.id} hostId={hostId} def={def} rangeS={rangeS} tick={tick} />
        ))}
      </div>
    </div>
  );
}
