/**
 * Round y-axis ticks, written in one unit per axis (a pure function; the
 * host charts call it, islands/plot.ts).
 *
 * Byte and rate axes use binary units (1 KiB = 1024 B) and pick one of them
 * for the whole axis: the largest unit the axis reaches at least 1 of. Ticks
 * then step by 1, 2 or 5 × 10^n of that unit (0, 200, 400 MiB; 0, 0.5, 1,
 * 1.5 GiB), so every label is round in the unit it is written in and no axis
 * mixes "1000 B/s" with "1.5 KiB/s". Plain bytes step by whole bytes. Chosen
 * over powers of two (256, 512, 768 MiB) because decimal steps read at a
 * glance and the unit already says binary. Other axes (%, load, °C) step by
 * 1, 2 or 5 × 10^n too.
 */
import type { ChartUnit } from "./metrics.ts";

/** An axis: its ends and ticks in base units (bytes, %, …), and the ticks' labels. */
export interface AxisTicks {
  /** The first tick: the axis bottom. */
  min: number;
  /** The last tick: the axis top. */
  max: number;
  values: number[];
  /** One per value, all in the same unit. */
  labels: string[];
}

const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** What a unit's axis is written in and whether it starts at zero. */
const AXIS: Record<ChartUnit, { binary: boolean; suffix: string; zero: boolean }> = {
  bytes: { binary: true, suffix: "", zero: true },
  rate: { binary: true, suffix: "/s", zero: true },
  percent: { binary: false, suffix: "%", zero: true },
  number: { binary: false, suffix: "", zero: true },
  // Temperatures sit far from zero; an axis from 0 would flatten them.
  celsius: { binary: false, suffix: " °C", zero: false },
};

/** Guards against float noise in divisions that should be whole (0.3 / 0.1). */
const EPSILON = 1e-9;

/** The smallest 1, 2 or 5 × 10^n that is at least `x` (> 0). */
function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x * (1 - EPSILON)) return m * p;
  return 10 * p;
}

/** Decimals that write multiples of `step` exactly (0.2 → 1, 0.05 → 2, 5 → 0). */
function decimals(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + EPSILON));
}

/**
 * Ticks for data from `lo` to `hi` on an axis of `unit`, at most `maxSteps`
 * steps apart end to end (give or take one where the ends round outwards).
 * Empty or non-finite data gives an axis from 0 to 1 unit.
 */
export function axisTicks(unit: ChartUnit, lo: number, hi: number, maxSteps: number): AxisTicks {
  const axis = AXIS[unit];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) lo = hi = 0;
  if (lo > hi) [lo, hi] = [hi, lo];
  if (axis.zero) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
  if (lo === hi) hi = lo === 0 ? 1 : lo + Math.abs(lo) / 10;
  const steps = Math.max(1, Math.floor(maxSteps));

  // The binary unit: the largest the data reaches 1 of, or the next one up
  // when rounding the top outwards reaches 1024 of this one.
  let k = 0;
  const top = Math.max(Math.abs(lo), Math.abs(hi));
  if (axis.binary) {
    while (k < BINARY_UNITS.length - 1 && top >= 1024 ** (k + 1)) k++;
  }
  let ticks = layout(lo, hi, k, steps, axis.binary);
  if (
    axis.binary && k < BINARY_UNITS.length - 1 &&
    Math.max(Math.abs(ticks.min), Math.abs(ticks.max)) >= 1024
  ) {
    ticks = layout(lo, hi, ++k, steps, axis.binary);
  }
  const name = axis.binary ? BINARY_UNITS[k] + axis.suffix : axis.suffix;
  const sep = axis.binary ? " " : "";
  return {
    min: ticks.min * ticks.div,
    max: ticks.max * ticks.div,
    values: ticks.values.map((v) => v * ticks.div),
    labels: ticks.values.map((v) => `${v.toFixed(ticks.dec)}${sep}${name}`),
  };
}

/** Ticks in units of 1024^k (as are min and max): the data's ends rounded out to a nice step. */
function layout(lo: number, hi: number, k: number, steps: number, binary: boolean) {
  const div = binary ? 1024 ** k : 1;
  const a = lo / div;
  const b = hi / div;
  let step = niceStep((b - a) / steps);
  // A byte cannot be split.
  if (binary && k === 0) step = Math.max(1, step);
  const dec = decimals(step);
  const first = Math.floor(a / step + EPSILON);
  const last = Math.ceil(b / step - EPSILON);
  const values: number[] = [];
  for (let i = first; i <= last; i++) values.push(Number((i * step).toFixed(dec)));
  return { div, dec, values, min: values[0], max: values[values.length - 1] };
}
