/**
 * What a chart's answer says about how to draw it (pure functions; the host
 * charts call them): which values a line alone would hardly show, and
 * whether the host has sent enough for the range at all.
 */

type Values = ArrayLike<number | null | undefined>;

/**
 * Indices of the values in runs of at most `maxRun` values between gaps: a
 * lone bucket draws no line, and two or three draw a stroke a few pixels
 * long, so these get a dot.
 */
export function shortRuns(values: Values, maxRun: number): number[] {
  const out: number[] = [];
  let start = -1;
  for (let i = 0; i <= values.length; i++) {
    const has = i < values.length && values[i] !== null && values[i] !== undefined;
    if (has && start < 0) start = i;
    if (!has && start >= 0) {
      if (i - start <= maxRun) { for (let j = start; j < i; j++) out.push(j); }
      start = -1;
    }
  }
  return out;
}

/** The share of a range at its end that holding all the data makes a host too young for it. */
const YOUNG_SHARE = 0.1;

/**
 * How much of the range the series cover: "none" (no value at all), "young"
 * (every value in the last tenth of the buckets: the host has not sent for
 * long enough to fill this range), else "enough". `first` is the earliest
 * bucket index with a value in any series.
 */
export function coverage(series: Values[]): { state: "none" | "young" | "enough"; first: number } {
  const length = Math.max(0, ...series.map((s) => s.length));
  let first = -1;
  for (const s of series) {
    for (let i = 0; i < s.length && (first < 0 || i < first); i++) {
      if (s[i] !== null && s[i] !== undefined) {
        first = i;
        break;
      }
    }
  }
  if (first < 0) return { state: "none", first };
  return { state: first >= length * (1 - YOUNG_SHARE) ? "young" : "enough", first };
}
