/** Load averages from /proc/loadavg. */
import { fromProcFile } from "./proc.ts";
import { defineCollector } from "./registry.ts";

/** Parses /proc/loadavg into the three load averages. */
export function parseLoadavg(text: string): { load1: number; load5: number; load15: number } {
  const [load1, load5, load15] = text.trim().split(/\s+/).map(Number);
  if (![load1, load5, load15].every(Number.isFinite)) {
    throw new SyntaxError(`Cannot parse /proc/loadavg: "${text.trim().slice(0, 60)}"`);
  }
  return { load1, load5, load15 };
}

/** The load collector. */
defineCollector({
  name: "load",
  os: "linux",
  init: () => fromProcFile("loadavg", (text, _ctx, out) => void (out.load = parseLoadavg(text))),
});
