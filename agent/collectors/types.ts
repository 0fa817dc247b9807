/**
 * What collectors produce: one Snapshot per collection cycle, filled in by
 * each collector that applies to this host. Application types only; the
 * agent's transport turns a Snapshot into protobuf.
 */

/** CPU use over the last interval, in percent of all cores. */
export interface CpuStats {
  percent: number;
  user: number;
  system: number;
  iowait: number;
  steal: number;
  perCore: number[];
  cores: number;
}

/** Memory and swap, in bytes. */
export interface MemoryStats {
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  cachedBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
}

/** One mounted filesystem's usage. */
export interface FsStats {
  mount: string;
  device: string;
  fstype: string;
  sizeBytes: number;
  usedBytes: number;
  availBytes: number;
}

/** One block device's counters and rates. */
export interface DiskStats {
  device: string;
  readBytes: number;
  writeBytes: number;
  reads: number;
  writes: number;
  readBytesPerS: number;
  writeBytesPerS: number;
}

/** One network interface's counters and rates. */
export interface NetStats {
  iface: string;
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  rxErrors: number;
  txErrors: number;
  rxDrops: number;
  txDrops: number;
  rxBytesPerS: number;
  txBytesPerS: number;
}

/** Everything one cycle collected. */
export interface Snapshot {
  unixMs: number;
  /** Seconds since the previous cycle; 0 on the first. */
  intervalS: number;
  cpu?: CpuStats;
  memory?: MemoryStats;
  load?: { load1: number; load5: number; load15: number };
  uptimeS?: number;
  filesystems: FsStats[];
  disks: DiskStats[];
  net: NetStats[];
  temperatures: Array<{ sensor: string; celsius: number }>;
  errors: Array<{ collector: string; message: string }>;
}

/** Where a collector reads from; tests point these at fixture trees. */
export interface CollectContext {
  procRoot: string;
  sysRoot: string;
  /** Seconds since the previous cycle (0 on the first), for rates. */
  intervalS: number;
}

/**
 * One collector. `collect` fills its part of `out`; it throws only for a real
 * failure, and returns quietly when its source does not exist on this host.
 */
export interface Collector {
  name: string;
  collect(ctx: CollectContext, out: Snapshot): Promise<void>;
}

/** Turns two readings of a counter into a per-second rate; 0 across a reset. */
export function rate(prev: number | undefined, next: number, intervalS: number): number {
  if (prev === undefined || intervalS <= 0 || next < prev) return 0;
  return (next - prev) / intervalS;
}
