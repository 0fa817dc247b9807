/**
 * Uptime over a window, from what was stored: a check's from its incidents
 * (the share of the window it was not down, counted from when it was first
 * judged), an agent's from its rounds (the share that passed).
 */

export const UPTIME_WINDOWS = {
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
  "90d": 90 * 86_400_000,
  "1y": 365 * 86_400_000,
} as const;
export type UptimeWindow = keyof typeof UPTIME_WINDOWS;

export interface Span {
  start: number;
  /** null: still going on. */
  end: number | null;
}

/**
 * Percent of [from, to) the check was up, or null when it was not judged
 * in the window at all (`since`: when it was first judged). Overlapping
 * incidents count once.
 */
export function uptimePercent(
  incidents: Span[],
  since: number | null,
  from: number,
  to: number,
): number | null {
  if (since === null || since >= to) return null;
  const start = Math.max(from, since);
  const spans = incidents
    .map((i) => [Math.max(i.start, start), Math.min(i.end ?? to, to)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let down = 0;
  let reached = start;
  for (const [a, b] of spans) {
    const lo = Math.max(a, reached);
    if (b > lo) down += b - lo;
    reached = Math.max(reached, b);
  }
  return round((1 - down / (to - start)) * 100);
}

/** Percent of rounds that passed, or null when there were none. */
export function passPercent(passed: number, total: number): number | null {
  return total > 0 ? round((passed / total) * 100) : null;
}

/** Three decimals: 99.999 stays apart from 100. */
const round = (p: number) => Math.floor(p * 1000) / 1000;
