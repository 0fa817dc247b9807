/**
 * One host chart's drawing: the chart kinds, their colours and number
 * formats, and the uPlot instance with its min–max bands and drag-to-zoom.
 * HostCharts.tsx fetches the data and keeps the page's view.
 */
import uPlot from "uplot";
import { formatBytes, formatPercent, formatRate } from "../lib/format.ts";
import type { ChartUnit } from "../lib/metrics.ts";

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
  unit: ChartUnit;
  series: SeriesDef[];
}

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

/** "1 h averages", "30 s samples": what one point stands for. */
export function describeStep(tier: string, stepS: number, bands: boolean): string {
  const size = stepS % 86400 === 0
    ? `${stepS / 86400} d`
    : stepS % 3600 === 0
    ? `${stepS / 3600} h`
    : stepS % 60 === 0
    ? `${stepS / 60} min`
    : `${stepS} s`;
  if (tier === "raw") return `${size} samples`;
  return bands ? `${size} averages, min–max band` : `${size} averages`;
}

/** A uPlot chart for `def`; dragging across it zooms the page's view. */
export function makePlot(
  node: HTMLElement,
  def: ChartDef,
  data: uPlot.AlignedData,
  bands: boolean,
  zoom: { current: { onZoom: (from: number, to: number) => void } },
): uPlot {
  const fmt = FORMAT[def.unit];
  const value = (_u: uPlot, v: number | null) => (v === null ? "–" : fmt(v));
  const n = def.series.length;
  const lines: uPlot.Series[] = def.series.map((s, i) => ({
    label: s.name,
    stroke: COLORS[i % COLORS.length],
    width: 1.5,
    spanGaps: false,
    value,
  }));
  const edges: uPlot.Series[] = bands
    ? def.series.flatMap((s, i) =>
      ["min", "max"].map((edge) => ({
        label: `${s.name} ${edge}`,
        stroke: `${COLORS[i % COLORS.length]}55`,
        width: 0.5,
        spanGaps: false,
        value,
      }))
    )
    : [];
  const u = new uPlot(
    {
      width: node.clientWidth || 600,
      height: 200,
      scales: { x: { time: true }, y: def.unit === "percent" ? { range: [0, 100] } : {} },
      series: [
        { value: (_u, v) => (v === null ? "–" : new Date(v * 1000).toLocaleString()) },
        ...lines,
        ...edges,
      ],
      // Series 1..n are the averages; n+1+2i and n+2+2i are line i's min and max.
      bands: bands
        ? def.series.map((_, i) => ({
          series: [n + 2 + 2 * i, n + 1 + 2 * i] as [number, number],
          fill: `${COLORS[i % COLORS.length]}22`,
        }))
        : undefined,
      axes: [
        { stroke: "currentColor", grid: { stroke: "rgba(128,128,128,0.15)" } },
        {
          stroke: "currentColor",
          size: 80,
          grid: { stroke: "rgba(128,128,128,0.15)" },
          values: (_u, vals) => vals.map((v) => fmt(v)),
        },
      ],
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [(u) => {
          if (u.select.width < 4) return;
          const from = u.posToVal(u.select.left, "x") * 1000;
          const to = u.posToVal(u.select.left + u.select.width, "x") * 1000;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          zoom.current.onZoom(from, to);
        }],
      },
    },
    data,
    node,
  );
  // The band edges stay out of the legend: the band says it all.
  u.root.querySelectorAll<HTMLElement>(".u-legend .u-series").forEach((row, i) => {
    if (i > n) row.style.display = "none";
  });
  return u;
}
