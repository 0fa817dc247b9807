/**
 * What collectors produce: one Snapshot per collection cycle, filled in by
 * each collector that applies to this host. The agent's transport turns a
 * Snapshot into a MetricsBatch (agent/wire.ts).
 */
import type {
  Container,
  ContainerEvent,
  Cpu,
  Disk,
  Filesystem,
  Memory,
  NetInterface,
} from "../../proto/gen/sightline/agent/v1/agent_lean.ts";

/*
 * A cycle's readings have the shapes of the protocol's messages, generated
 * from the .proto (proto/lean/): CPU in percent of all cores, memory and
 * swap in bytes, a file system's usage, a block device's and a network
 * interface's counters and their rates.
 */
export type CpuStats = Cpu;
export type MemoryStats = Memory;
export type FsStats = Filesystem;
export type DiskStats = Disk;
export type NetStats = NetInterface;

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
  /** The container engine's list and events (agent/containers/); absent: not asked. */
  containers?: {
    listed: boolean;
    engine: string;
    containers: Container[];
    events: ContainerEvent[];
  };
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
