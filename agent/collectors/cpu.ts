/** CPU use from /proc/stat, total and per core, over the interval since the last read. */
import { fromProcFile } from "./proc.ts";
import type { CpuStats } from "./types.ts";
import { defineCollector } from "./registry.ts";

/** Jiffies of one `cpu…` line of /proc/stat. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

/** Parses /proc/stat into the total line and one entry per core, in core order. */
export function parseProcStat(text: string): { total: CpuTimes; cores: CpuTimes[] } {
  let total: CpuTimes | null = null;
  const cores: Array<[number, CpuTimes]> = [];
  for (const line of text.split("\n")) {
    const m = /^cpu(\d*)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = m[2]
      .trim().split(/\s+/).map(Number);
    const t = { user, nice, system, idle, iowait, irq, softirq, steal };
    if (m[1] === "") total = t;
    else cores.push([Number(m[1]), t]);
  }
  if (!total) throw new SyntaxError("Cannot parse /proc/stat: no cpu line");
  cores.sort((a, b) => a[0] - b[0]);
  return { total, cores: cores.map(([, t]) => t) };
}

function sum(t: CpuTimes): number {
  return t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
}

/** Percentages of busy time between two readings (0 when no time passed). */
export function cpuPercent(prev: CpuTimes, next: CpuTimes) {
  const total = sum(next) - sum(prev);
  const pct = (v: number) => (total > 0 ? Math.min(100, Math.max(0, (v / total) * 100)) : 0);
  const d = (k: keyof CpuTimes) => next[k] - prev[k];
  return {
    percent: pct(total - d("idle") - d("iowait")),
    user: pct(d("user") + d("nice")),
    system: pct(d("system") + d("irq") + d("softirq")),
    iowait: pct(d("iowait")),
    steal: pct(d("steal")),
  };
}

/** The CPU collector; keeps the previous reading to compute rates. */
export const cpuCollector = defineCollector({
  name: "cpu",
  os: "linux",
  init() {
    let prev: { total: CpuTimes; cores: CpuTimes[] } | null = null;
    return fromProcFile("stat", (text, _ctx, out) => {
      const next = parseProcStat(text);
      const last = prev;
      prev = next;
      if (!last) return; // the first reading only sets the baseline
      const stats: CpuStats = {
        ...cpuPercent(last.total, next.total),
        perCore: next.cores.map((
          c,
          i,
        ) => (last.cores[i] ? cpuPercent(last.cores[i], c).percent : 0)),
        cores: next.cores.length,
      };
      out.cpu = stats;
    });
  },
});
