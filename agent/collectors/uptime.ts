/** Seconds since boot from /proc/uptime. */
import { readOptional } from "./proc.ts";
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
  init: () => async (ctx, out) => {
    const text = await readOptional(ctx.procRoot, "uptime");
    if (text !== null) out.uptimeS = parseUptime(text);
  },
});
