/**
 * One host chart's drawing: the chart kinds and their number formats, and
 * the uPlot instance with its theme colours, round y ticks in one unit
 * (lib/ticks.ts), min–max bands, dots where a line alone would not show,
 * a cursor shared with the host's other charts, and drag-to-zoom.
 * HostCharts.tsx fetches the data and keeps the page's view. What changed
 * on the host (lib/changes.ts) is a thin vertical line at its time, with
 * the list of what changed there on hover or focus.
 */
import uPlot from "uplot";
import { formatBytes, formatPercent, formatRate } from "../lib/format.ts";
import type { ChartUnit } from "../lib/metrics.ts";
import { axisTicks } from "../lib/ticks.ts";
import { shortRuns } from "../lib/chart_data.ts";
import { type ChartTheme, withAlpha } from "./chart_theme.ts";
import { type ChangeView, groupMarkers, kindLabel } from "../lib/changes.ts";

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

/** Hover values: each in the unit that suits it (the axis keeps one unit). */
const FORMAT: Record<ChartDef["unit"], (v: number) => string> = {
  percent: (v) => formatPercent(v),
  bytes: (v) => formatBytes(v),
  rate: (v) => formatRate(v),
  number: (v) => v.toFixed(2),
  celsius: (v) => `${v.toFixed(1)} °C`,
};

/** Plot height in CSS pixels, and at most this many steps between y ticks on it. */
export const PLOT_HEIGHT = 200;
const Y_STEPS = 5;
/**
 * A run of this many buckets or fewer between gaps gets dots (see
 * lib/chart_data.ts): on a 720-bucket day across 1,100 pixels, 7 px of line.
 */
const SHORT_RUN = 5;
/** Every bucket gets a dot once buckets are at least this far apart (CSS pixels). */
const DOT_SPACING = 8;

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

/** What a plot needs beyond its data. */
export interface PlotOptions {
  theme: ChartTheme;
  /** Charts with the same key share the hover cursor. */
  syncKey: string;
  /** The x range in Unix seconds: the view's span, so a chart reaches now. */
  xRange: { current: [number, number] };
  zoom: { current: { onZoom: (from: number, to: number) => void } };
  /** The host's changes to mark (any range: those outside the chart's are left out). */
  changes: { current: ChangeView[] };
}

/** Changes closer than this (CSS pixels) share one marker. */
const MARKER_GAP = 6;

/**
 * Draws `changes` as markers over the plot: DOM, not canvas, so each is
 * focusable, has its list as text, and follows the theme's CSS; drawn again
 * on every draw, so they follow the x scale and the plot's size.
 */
function drawMarkers(u: uPlot, changes: ChangeView[]): void {
  let layer = u.over.querySelector<HTMLElement>(".change-markers");
  if (!layer) {
    layer = document.createElement("div");
    layer.className = "change-markers";
    u.over.append(layer);
  }
  const { min, max } = u.scales.x;
  if (min === undefined || max === undefined) return layer.replaceChildren();
  const shown = changes
    .map((c) => ({ c, t: Date.parse(c.ts) / 1000 }))
    .filter(({ t }) => t >= min && t <= max);
  const width = u.over.clientWidth;
  layer.replaceChildren(
    ...groupMarkers(shown, ({ t }) => u.valToPos(t, "x"), MARKER_GAP).map((g) => {
      const marker = document.createElement("div");
      marker.className = "change-marker";
      marker.tabIndex = 0;
      // A graphic with its list as its name: what a screen reader says on focus.
      marker.setAttribute("role", "img");
      marker.style.left = `${g.x}px`;
      marker.dataset.kinds = [...new Set(g.changes.map(({ c }) => c.kind))].join(" ");
      marker.setAttribute(
        "aria-label",
        g.changes.map(({ c }) => c.summary).join("; "),
      );
      const tip = document.createElement("ul");
      tip.className = "change-tip";
      tip.setAttribute("role", "tooltip");
      // Past the middle the list opens to the left, so it stays on the chart.
      if (g.x > width / 2) tip.classList.add("left");
      for (const { c } of g.changes) {
        const item = document.createElement("li");
        const when = document.createElement("time");
        when.dateTime = c.ts;
        when.textContent = new Date(c.ts).toLocaleString();
        const what = document.createElement("strong");
        what.textContent = kindLabel(c.kind);
        item.append(when, " ", what, " ", c.summary);
        tip.append(item);
      }
      marker.append(tip);
      return marker;
    }),
  );
}

/**
 * A uPlot chart for `def`; dragging across it zooms the page's view. Each
 * draw writes the axis colour and y tick labels it used on `node`
 * (`data-axis-color`, `data-y-ticks`) for tests and tools.
 */
export function makePlot(
  node: HTMLElement,
  def: ChartDef,
  data: uPlot.AlignedData,
  bands: boolean,
  { theme, syncKey, xRange, zoom, changes }: PlotOptions,
): uPlot {
  const fmt = FORMAT[def.unit];
  const value = (_u: uPlot, v: number | null) => (v === null ? "–" : fmt(v));
  const color = (i: number) => theme.series[i % theme.series.length];
  const n = def.series.length;
  const points: uPlot.Series.Points = {
    fill: theme.panel,
    show: (u, _si, i0, i1) => (i1 - i0) * DOT_SPACING <= u.bbox.width / devicePixelRatio,
    filter: (u, si, show) => {
      if (show) return null;
      const idx = shortRuns(u.data[si], SHORT_RUN);
      return idx.length ? idx : null;
    },
  };
  const lines: uPlot.Series[] = def.series.map((s, i) => ({
    label: s.name,
    stroke: color(i),
    width: 1.5,
    spanGaps: false,
    points,
    value,
  }));
  const edges: uPlot.Series[] = bands
    ? def.series.flatMap((s, i) =>
      ["min", "max"].map((edge) => ({
        label: `${s.name} ${edge}`,
        stroke: withAlpha(color(i), 0.33),
        width: 0.5,
        spanGaps: false,
        points: { show: false },
        value,
      }))
    )
    : [];
  // Ticks are worked out with the y range and drawn from it, so they always agree.
  let ticks = axisTicks(def.unit, 0, 0, Y_STEPS);
  const yRange: uPlot.Range.Function = (_u, lo, hi) => {
    ticks = def.unit === "percent"
      ? axisTicks(def.unit, 0, 100, Y_STEPS)
      : axisTicks(def.unit, lo, hi, Y_STEPS);
    return [ticks.min, ticks.max];
  };
  const u = new uPlot(
    {
      width: node.clientWidth || 600,
      height: PLOT_HEIGHT,
      scales: { x: { time: true, range: () => xRange.current }, y: { range: yRange } },
      series: [
        { value: (_u, v) => (v === null ? "–" : new Date(v * 1000).toLocaleString()) },
        ...lines,
        ...edges,
      ],
      // Series 1..n are the averages; n+1+2i and n+2+2i are line i's min and max.
      bands: bands
        ? def.series.map((_, i) => ({
          series: [n + 2 + 2 * i, n + 1 + 2 * i] as [number, number],
          fill: withAlpha(color(i), 0.13),
        }))
        : undefined,
      axes: [
        { stroke: theme.axis, grid: { stroke: theme.grid }, ticks: { stroke: theme.grid } },
        {
          stroke: theme.axis,
          size: 80,
          grid: { stroke: theme.grid },
          ticks: { stroke: theme.grid },
          splits: () => ticks.values,
          values: () => ticks.labels,
        },
      ],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { fill: theme.panel },
        // Only the hover is shared: a drag zooms once, from the chart it was made on.
        sync: {
          key: syncKey,
          filters: { pub: (type) => type === "mousemove" || type === "mouseleave" },
        },
      },
      hooks: {
        setSelect: [(u) => {
          if (u.select.width < 4) return;
          const from = u.posToVal(u.select.left, "x") * 1000;
          const to = u.posToVal(u.select.left + u.select.width, "x") * 1000;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          zoom.current.onZoom(from, to);
        }],
        draw: [(u) => {
          drawMarkers(u, changes.current);
          node.dataset.axisColor = theme.axis;
          node.dataset.yTicks = ticks.labels.join(" | ");
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
