/** Load averages from /proc/loadavg and uptime from /proc/uptime. */
import { readOptional } from "./proc.ts";
import type { Collector } from "./types.ts";

/** Parses /proc/loadavg into the three load averages. */
export function parseLoadavg(text: string): { load1: number; load5: number; load15: number } {
  const [load1, load5, load15] = text.trim().split(/\s+/).map(Number);
  if (![load1, load5, load15].every(Number.isFinite)) {
    throw new SyntaxError(`Cannot parse /proc/loadavg: "${text.trim().slice(0, 60)}"`);
  }
  return { load1, load5, load15 };
}

/** Parses /proc/uptime into seconds since boot. */
export function parseUptime(text: string): number {
  const s = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(s)) {
    throw new SyntaxError(`Cannot parse /proc/uptime: "${text.trim().slice(0, 60)}"`);
  }
  return s;
}

/** The load collector. */
export function loadCollector(): Collector {
  return {
    name: "load",
    async collect(ctx, out) {
      const text = await readOptional(ctx.procRoot, "loadavg");
      if (text !== null) out.load = parseLoadavg(text);
    },
  };
}

/** The uptime collector. */
export function uptimeCollector(): Collector {
  return {
    name: "uptime",
    async collect(ctx, out) {
      const text = await readOptional(ctx.procRoot, "uptime");
      if (text !== null) out.uptimeS = parseUptime(text);
    },
  };
}
