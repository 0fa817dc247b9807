/** Disk I/O per whole block device from /proc/diskstats. */
import { fromProcFile, listDir } from "./proc.ts";
import { type DiskStats, rate } from "./types.ts";
import { defineCollector } from "./registry.ts";

/** /proc/diskstats counts sectors of 512 bytes whatever the device's real sector size. */
const SECTOR = 512;

/** Counters of one device line. */
export interface DiskCounters {
  device: string;
  reads: number;
  readBytes: number;
  writes: number;
  writeBytes: number;
}

/** Parses /proc/diskstats; `include` says which device names to keep. */
export function parseDiskstats(text: string, include: (name: string) => boolean): DiskCounters[] {
  const out: DiskCounters[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14 || !include(f[2])) continue;
    out.push({
      device: f[2],
      reads: Number(f[3]),
      readBytes: Number(f[5]) * SECTOR,
      writes: Number(f[7]),
      writeBytes: Number(f[9]) * SECTOR,
    });
  }
  return out;
}

const VIRTUAL = /^(loop|ram|zram|dm-|md|sr|fd)\d*/;
const PARTITION =
  /^(sd[a-z]+\d+|vd[a-z]+\d+|xvd[a-z]+\d+|hd[a-z]+\d+|nvme\d+n\d+p\d+|mmcblk\d+p\d+)$/;

/** The disk collector. Whole disks come from /sys/block when it is readable. */
export const diskCollector = defineCollector({
  name: "disk",
  os: "linux",
  init() {
    let prev = new Map<string, DiskCounters>();
    return fromProcFile("diskstats", async (text, ctx, out) => {
      const block = new Set(await listDir(ctx.sysRoot, "block"));
      const include = (name: string) =>
        !VIRTUAL.test(name) && (block.size > 0 ? block.has(name) : !PARTITION.test(name));
      const next = new Map<string, DiskCounters>();
      for (const c of parseDiskstats(text, include)) {
        next.set(c.device, c);
        const p = prev.get(c.device);
        const d: DiskStats = {
          ...c,
          readBytesPerS: rate(p?.readBytes, c.readBytes, ctx.intervalS),
          writeBytesPerS: rate(p?.writeBytes, c.writeBytes, ctx.intervalS),
        };
        out.disks.push(d);
      }
      prev = next;
    });
  },
});
