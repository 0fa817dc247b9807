/** Seconds since boot from /proc/uptime. */
import { fromProcFile } from "./proc.ts";
import { defineCollector } from "./registry.ts";

/** Parses /proc/uptime into seconds since boot. */
export function parseUptime(text: string): number {
  const s = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(s)) {
    throw new SyntaxError(`Cannot parse /proc/uptime: "${text.trim().slice(0, 60)}"`);
  }
  return s;
}

/** The uptime collector. */
defineCollector({
  name: "uptime",
  os: "linux",
  init: () => fromProcFile("uptime", (text, _ctx, out) => void (out.uptimeS = parseUptime(text))),
});
