/**
 * How the alert pages write an alert's parts: its value in its metric's unit,
 * its series, its times. Shared by the server's first render and the islands
 * (times are written in the browser's time zone once an island hydrates).
 */
import { formatBytes, formatPercent, formatRate } from "../format.ts";
import type { MetricUnit } from "../metrics.ts";
import { duration } from "./view.ts";

/** A value as its unit reads ("95.2%", "1.5 GiB"); a number as is without one; "–" for none. */
export function formatValue(v: number | null, unit: MetricUnit | undefined): string {
  if (v === null || !Number.isFinite(v)) return "–";
  switch (unit) {
    case "percent":
      return formatPercent(v);
    case "bytes":
      return formatBytes(v);
    case "bytes_per_s":
      return formatRate(v);
    case "seconds":
      return duration(v * 1000);
    case "celsius":
      return `${v.toFixed(1)} °C`;
    default:
      return Number.isInteger(v) ? String(v) : v.toFixed(2);
  }
}

/** A series' labels as a selector reads: `mount=/ device=sda`; "" for a host's one series. */
export function seriesText(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(" ");
}

/** An ISO time as a short local date and time ("2 Dec, 14:05:09"). */
export function localTime(iso: string): string {
  return new Date(iso).toLocaleString([], {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}
