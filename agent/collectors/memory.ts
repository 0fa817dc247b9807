/** Memory and swap from /proc/meminfo. */
import { fromProcFile } from "./proc.ts";
import type { MemoryStats } from "./types.ts";
import { defineCollector } from "./registry.ts";

/** Parses /proc/meminfo (values in kB) into bytes. */
export function parseMeminfo(text: string): MemoryStats {
  const kb = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1], Number(m[2]) * 1024);
  }
  const total = kb.get("MemTotal");
  if (total === undefined) throw new SyntaxError("Cannot parse /proc/meminfo: no MemTotal");
  // MemAvailable exists since Linux 3.14; older kernels get the classic estimate.
  const available = kb.get("MemAvailable") ??
    (kb.get("MemFree") ?? 0) + (kb.get("Buffers") ?? 0) + (kb.get("Cached") ?? 0);
  const swapTotal = kb.get("SwapTotal") ?? 0;
  return {
    totalBytes: total,
    usedBytes: Math.max(0, total - available),
    availableBytes: available,
    cachedBytes: (kb.get("Cached") ?? 0) + (kb.get("Buffers") ?? 0),
    swapTotalBytes: swapTotal,
    swapUsedBytes: Math.max(0, swapTotal - (kb.get("SwapFree") ?? swapTotal)),
  };
}

/** The memory collector. */
defineCollector({
  name: "memory",
  os: "linux",
  init: () => fromProcFile("meminfo", (text, _ctx, out) => void (out.memory = parseMeminfo(text))),
});
