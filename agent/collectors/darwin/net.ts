/** macOS network interfaces from `netstat -ibn`; keeps the previous reading to compute rates. */
import { defineCollector } from "../registry.ts";
import { rate } from "../types.ts";
import { parseNetstat } from "./parse.ts";
import { run } from "./run.ts";

defineCollector({
  name: "net",
  os: "darwin",
  init() {
    let prev = new Map<string, { rx: number; tx: number }>();
    return async (ctx, out) => {
      const next = new Map<string, { rx: number; tx: number }>();
      for (const n of parseNetstat(await run("netstat", "-ibn"))) {
        const p = prev.get(n.iface);
        next.set(n.iface, { rx: n.rxBytes, tx: n.txBytes });
        out.net.push({
          ...n,
          rxBytesPerS: rate(p?.rx, n.rxBytes, ctx.intervalS),
          txBytesPerS: rate(p?.tx, n.txBytes, ctx.intervalS),
        });
      }
      prev = next;
    };
  },
});
