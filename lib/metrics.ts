/**
 * The metric catalogue: every series the hub stores, once. Its name, what one
 * value means (unit), what its label tells apart, the values it can have, and
 * where it is drawn. Conversion at ingest, the metrics API, the host page's
 * charts and the README's table all read it; tests fail when the proto or
 * the conversion name a metric it lacks.
 *
 * A value outside a metric's range is one the host cannot have (CPU −50 %,
 * a temperature of −1e308): ingest drops it and counts it on the host, so
 * it never reaches a chart or a rollup.
 */

export type MetricUnit =
  | "percent"
  | "bytes"
  | "bytes_per_s"
  | "seconds"
  | "ms"
  | "ratio"
  | "celsius"
  | "load";
/** What a series' label names; "" for a metric with one series per host. */
export type MetricLabel =
  | ""
  | "core"
  | "mount"
  | "device"
  | "iface"
  | "sensor"
  | "container"
  | "check";

export interface MetricDef {
  name: string;
  title: string;
  unit: MetricUnit;
  label: MetricLabel;
  /** The values the metric can have, inclusive. */
  min: number;
  max: number;
}

/** 2^60 bytes (1 EiB): more memory than any host has. */
const EIB = 2 ** 60;
/** 2^64 bytes: the largest size a filesystem can report. */
const FS_MAX = 2 ** 64;
/** 2^40 bytes a second (1.1 TB/s): faster than any disk or interface. */
const RATE_MAX = 2 ** 40;
/** A hundred years, in seconds. */
const CENTURY_S = 100 * 365.25 * 86_400;

const pct = (name: string, title: string, label: MetricLabel = ""): MetricDef => ({
  name,
  title,
  unit: "percent",
  label,
  min: 0,
  max: 100,
});
const bytes = (name: string, title: string, max = EIB, label: MetricLabel = ""): MetricDef => ({
  name,
  title,
  unit: "bytes",
  label,
  min: 0,
  max,
});
const rate = (name: string, title: string, label: MetricLabel): MetricDef => ({
  name,
  title,
  unit: "bytes_per_s",
  label,
  min: 0,
  max: RATE_MAX,
});
const load = (name: string, title: string): MetricDef => ({
  name,
  title,
  unit: "load",
  label: "",
  min: 0,
  max: 1e6,
});

export const METRICS: readonly MetricDef[] = [
  pct("cpu_percent", "CPU busy"),
  pct("cpu_user", "CPU user"),
  pct("cpu_system", "CPU system"),
  pct("cpu_iowait", "CPU I/O wait"),
  pct("cpu_steal", "CPU steal"),
  pct("cpu_core_percent", "CPU busy, per core", "core"),
  bytes("mem_total_bytes", "Memory total"),
  bytes("mem_used_bytes", "Memory used"),
  pct("mem_used_percent", "Memory used, share of total"),
  bytes("mem_available_bytes", "Memory available"),
  bytes("mem_cached_bytes", "Memory cached"),
  bytes("swap_total_bytes", "Swap total"),
  bytes("swap_used_bytes", "Swap used"),
  load("load1", "Load, 1 min"),
  load("load5", "Load, 5 min"),
  load("load15", "Load, 15 min"),
  { name: "uptime_s", title: "Uptime", unit: "seconds", label: "", min: 0, max: CENTURY_S },
  bytes("fs_used_bytes", "Filesystem used", FS_MAX, "mount"),
  bytes("fs_size_bytes", "Filesystem size", FS_MAX, "mount"),
  pct("fs_used_percent", "Filesystem used", "mount"),
  rate("disk_read_bytes_per_s", "Disk read", "device"),
  rate("disk_write_bytes_per_s", "Disk write", "device"),
  rate("net_rx_bytes_per_s", "Network in", "iface"),
  rate("net_tx_bytes_per_s", "Network out", "iface"),
  // Absolute zero to well past any sensor's limit.
  {
    name: "temp_celsius",
    title: "Temperature",
    unit: "celsius",
    label: "sensor",
    min: -273.15,
    max: 500,
  },
  // A container's series are labelled by its name, which outlives a recreated
  // container's id (compose, a redeploy), so its chart goes on.
  {
    name: "container_cpu_percent",
    title: "Container CPU, percent of one core",
    unit: "percent",
    label: "container",
    min: 0,
    // 100 per core, as docker stats counts; no host has more than this many.
    max: 100 * 4096,
  },
  bytes("container_mem_bytes", "Container memory (less file cache)", EIB, "container"),
  rate("container_net_rx_bytes_per_s", "Container network in", "container"),
  rate("container_net_tx_bytes_per_s", "Container network out", "container"),
  rate("container_block_read_bytes_per_s", "Container block read", "container"),
  rate("container_block_write_bytes_per_s", "Container block write", "container"),
  // Uptime checks (issue 19): each stored round of a check is also a sample of
  // the agent host that ran it, labelled by the check's id, so response times
  // and up/down keep for years on the rollups (lib/probes/metrics.ts).
  {
    name: "check_response_ms",
    title: "Check response time (passing rounds)",
    unit: "ms",
    label: "check",
    min: 0,
    // hub/probes/convert.ts refuses a round longer than an hour.
    max: 3_600_000,
  },
  {
    name: "check_up",
    title: "Check up (1 passed, 0 failed)",
    unit: "ratio",
    label: "check",
    min: 0,
    max: 1,
  },
];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

/** The catalogue entry for `name`, or undefined for a name it lacks. */
export function metric(name: string): MetricDef | undefined {
  return BY_NAME.get(name);
}

export const METRIC_NAMES: readonly string[] = METRICS.map((m) => m.name);

/**
 * Whether `value` is one `def` can have. Percentages computed from counters
 * may land a hair outside [0, 100] by rounding; that much is allowed.
 */
export function inRange(def: MetricDef, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const slack = def.unit === "percent" ? 1e-6 : 0;
  return value >= def.min - slack && value <= def.max + slack;
}

/** How a unit is written after a value ("90 %"); "" for a plain number. */
export const UNIT_TEXT: Record<MetricUnit, string> = {
  percent: "%",
  bytes: "bytes",
  bytes_per_s: "bytes/s",
  seconds: "s",
  ms: "ms",
  ratio: "",
  celsius: "°C",
  load: "",
};

function limit(v: number): string {
  if (v === 2 ** 64) return "2^64";
  if (v === 2 ** 60) return "2^60";
  if (v === 2 ** 40) return "2^40";
  return Number.isInteger(v) ? v.toLocaleString("en-US") : String(v);
}

/** The README's metric table (between its `metrics` markers), from the catalogue. */
export function metricTable(): string {
  const rows = METRICS.map((m) =>
    `| \`${m.name}\` | ${m.title} | ${UNIT_TEXT[m.unit]} | ${m.label || "–"} | ${limit(m.min)} … ${
      limit(m.max)
    } |`
  );
  return [
    "| metric | what | unit | label | valid values |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** How a chart's values are formatted (see islands/plot.ts). */
export type ChartUnit = "percent" | "bytes" | "rate" | "number" | "celsius";

/**
 * One chart of the host page: fixed series, or series for each label a host
 * has sent of `perLabel`'s first metric (each mount, interface, sensor…).
 * `{label}` in a name is the label.
 */
export interface ChartSpec {
  id: string;
  title: string;
  unit: ChartUnit;
  series?: Array<{ metric: string; name: string }>;
  perLabel?: Array<{ metric: string; name: string }>;
  /** Labels that are numbers (cores) sort as numbers. */
  numericLabels?: boolean;
}

export const CHARTS: readonly ChartSpec[] = [
  {
    id: "cpu",
    title: "CPU",
    unit: "percent",
    series: [
      { metric: "cpu_percent", name: "total" },
      { metric: "cpu_user", name: "user" },
      { metric: "cpu_system", name: "system" },
      { metric: "cpu_iowait", name: "iowait" },
      { metric: "cpu_steal", name: "steal" },
    ],
  },
  {
    id: "cores",
    title: "CPU per core",
    unit: "percent",
    perLabel: [{ metric: "cpu_core_percent", name: "core {label}" }],
    numericLabels: true,
  },
  {
    id: "memory",
    title: "Memory and swap",
    unit: "bytes",
    series: [
      { metric: "mem_used_bytes", name: "used" },
      { metric: "mem_cached_bytes", name: "cache" },
      { metric: "swap_used_bytes", name: "swap used" },
    ],
  },
  {
    id: "load",
    title: "Load",
    unit: "number",
    series: [
      { metric: "load1", name: "1 min" },
      { metric: "load5", name: "5 min" },
      { metric: "load15", name: "15 min" },
    ],
  },
  {
    id: "disk",
    title: "Disk usage",
    unit: "percent",
    perLabel: [{ metric: "fs_used_percent", name: "{label}" }],
  },
  {
    id: "diskio",
    title: "Disk I/O",
    unit: "rate",
    perLabel: [
      { metric: "disk_read_bytes_per_s", name: "{label} read" },
      { metric: "disk_write_bytes_per_s", name: "{label} write" },
    ],
  },
  {
    id: "net",
    title: "Network",
    unit: "rate",
    perLabel: [
      { metric: "net_rx_bytes_per_s", name: "{label} in" },
      { metric: "net_tx_bytes_per_s", name: "{label} out" },
    ],
  },
  {
    id: "temp",
    title: "Temperatures",
    unit: "celsius",
    perLabel: [{ metric: "temp_celsius", name: "{label}" }],
  },
];
