/** Network counters and rates per interface from /proc/net/dev. */
import { fromProcFile } from "./proc.ts";
import { type NetStats, rate } from "./types.ts";
import { defineCollector } from "./registry.ts";

/** Counters of one interface. */
export type NetCounters = Omit<NetStats, "rxBytesPerS" | "txBytesPerS">;

/** Interfaces that only mirror traffic counted elsewhere. */
const SKIP = /^(lo|veth.*|docker\d+|br-[0-9a-f]+|virbr\d+-nic|ifb\d+)$/;

/** Parses /proc/net/dev, leaving out loopback and container plumbing. */
export function parseNetDev(text: string): NetCounters[] {
  const out: NetCounters[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m || SKIP.test(m[1])) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    out.push({
      iface: m[1],
      rxBytes: f[0],
      rxPackets: f[1],
      rxErrors: f[2],
      rxDrops: f[3],
      txBytes: f[8],
      txPackets: f[9],
      txErrors: f[10],
      txDrops: f[11],
    });
  }
  return out;
}

/** The network collector. */
export const netCollector = defineCollector({
  name: "net",
  os: "linux",
  init() {
    let prev = new Map<string, NetCounters>();
    return fromProcFile("net/dev", (text, ctx, out) => {
      const next = new Map<string, NetCounters>();
      for (const c of parseNetDev(text)) {
        next.set(c.iface, c);
        const p = prev.get(c.iface);
        out.net.push({
          ...c,
          rxBytesPerS: rate(p?.rxBytes, c.rxBytes, ctx.intervalS),
          txBytesPerS: rate(p?.txBytes, c.txBytes, ctx.intervalS),
        });
      }
      prev = next;
    });
  },
});
