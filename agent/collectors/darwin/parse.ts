/**
 * Parsers for the macOS commands the agent reads (sysctl, vm_stat, df,
 * netstat, top). Pure functions over captured output, tested on fixtures.
 */
import type { FsStats, MemoryStats, NetStats } from "../types.ts";

/** Parses `sysctl name: value` lines into a map. */
export function parseSysctl(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

/** `vm.loadavg: { 1.23 1.10 0.98 }` → the three load averages. */
export function parseDarwinLoad(value: string): { load1: number; load5: number; load15: number } {
  const [load1, load5, load15] = value.replace(/[{}]/g, " ").trim().split(/\s+/).map(Number);
  if (![load1, load5, load15].every(Number.isFinite)) {
    throw new SyntaxError(`Cannot parse vm.loadavg: "${value}"`);
  }
  return { load1, load5, load15 };
}

/** `kern.boottime: { sec = 1700000000, usec = 0 } …` → seconds since boot. */
export function parseBoottime(value: string, nowMs: number): number {
  const m = /sec\s*=\s*(\d+)/.exec(value);
  if (!m) throw new SyntaxError(`Cannot parse kern.boottime: "${value}"`);
  return Math.max(0, nowMs / 1000 - Number(m[1]));
}

/** `vm.swapusage: total = 2048.00M  used = 1024.50M  free = …` → bytes. */
export function parseSwapusage(value: string): { total: number; used: number } {
  const unit = (n: string, u: string) =>
    Number(n) * ({ K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[u] ?? 1);
  const get = (k: string) => {
    const m = new RegExp(`${k}\\s*=\\s*([\\d.]+)([KMG]?)`).exec(value);
    return m ? Math.round(unit(m[1], m[2])) : 0;
  };
  return { total: get("total"), used: get("used") };
}

/** Memory from `vm_stat` and hw.memsize, counted the way Activity Monitor does. */
export function parseVmStat(
  text: string,
  totalBytes: number,
): Omit<MemoryStats, "swapTotalBytes" | "swapUsedBytes"> {
  const pageSize = Number(/page size of (\d+) bytes/.exec(text)?.[1] ?? 4096);
  const pages = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^"?([^":]+)"?:\s+(\d+)\.?$/.exec(line.trim());
    if (m) pages.set(m[1].trim(), Number(m[2]) * pageSize);
  }
  if (!pages.has("Pages free")) throw new SyntaxError("Cannot parse vm_stat: no Pages free");
  const get = (k: string) => pages.get(k) ?? 0;
  const cached = get("File-backed pages") + get("Pages purgeable");
  const used = get("Anonymous pages") - get("Pages purgeable") + get("Pages wired down") +
    get("Pages occupied by compressor");
  const usedBytes = Math.min(totalBytes, Math.max(0, used));
  return {
    totalBytes,
    usedBytes,
    availableBytes: totalBytes - usedBytes,
    cachedBytes: cached,
  };
}

/** `df -k -P` (POSIX format) → filesystems on real devices. */
export function parseDf(text: string): FsStats[] {
  const out: FsStats[] = [];
  for (const line of text.split("\n").slice(1)) {
    const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s+(.+)$/.exec(line.trim());
    if (!m || !m[1].startsWith("/dev/")) continue;
    const mount = m[5];
    if (mount.startsWith("/System/Volumes/") && mount !== "/System/Volumes/Data") continue;
    out.push({
      device: m[1],
      mount,
      fstype: "",
      sizeBytes: Number(m[2]) * 1024,
      usedBytes: Number(m[3]) * 1024,
      availBytes: Number(m[4]) * 1024,
    });
  }
  return out;
}

/** `netstat -ibn` → one entry per interface (its link-layer row). */
export function parseNetstat(text: string): Array<Omit<NetStats, "rxBytesPerS" | "txBytesPerS">> {
  const lines = text.split("\n");
  const head = lines[0]?.trim().split(/\s+/) ?? [];
  const col = (n: string) => head.indexOf(n);
  const out: Array<Omit<NetStats, "rxBytesPerS" | "txBytesPerS">> = [];
  const seen = new Set<string>();
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < head.length - 1 || !f[2]?.startsWith("<Link#")) continue;
    const iface = f[0].replace(/\*$/, "");
    if (iface.startsWith("lo") || seen.has(iface)) continue;
    seen.add(iface);
    // Link rows have no Address column when the interface has no MAC.
    const shift = f.length === head.length ? 0 : -1;
    const n = (name: string) => Number(f[col(name) + shift]) || 0;
    out.push({
      iface,
      rxPackets: n("Ipkts"),
      rxErrors: n("Ierrs"),
      rxBytes: n("Ibytes"),
      txPackets: n("Opkts"),
      txErrors: n("Oerrs"),
      txBytes: n("Obytes"),
      rxDrops: 0,
      txDrops: n("Drop"),
    });
  }
  return out;
}

/** `top -l 1 -n 0` → CPU percentages from its `CPU usage:` line. */
export function parseTopCpu(text: string): { percent: number; user: number; system: number } {
  const m = /CPU usage:\s*([\d.]+)% user,\s*([\d.]+)% sys,\s*([\d.]+)% idle/.exec(text);
  if (!m) throw new SyntaxError("Cannot parse top: no CPU usage line");
  const user = Number(m[1]);
  const system = Number(m[2]);
  return { percent: Math.max(0, 100 - Number(m[3])), user, system };
}
