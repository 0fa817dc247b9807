/**
 * What the engine's stats and inspect answers mean, as `docker stats` reads
 * them: pure functions of the JSON, so tests run them on recorded answers of
 * both cgroup versions without an engine.
 */

/** The part of `GET /containers/{id}/stats` the agent reads. */
export interface EngineStats {
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op?: string; value?: number }> | null };
}

/** One reading's counters, kept between cycles for the rates. */
export interface Reading {
  cpuTotal: number;
  systemTotal: number;
  onlineCpus: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  memBytes: number;
  memLimit: number;
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/**
 * Memory as the docker CLI shows it: usage less the inactive file cache, which
 * the kernel drops first (cgroup v1 names it `total_inactive_file`, v2
 * `inactive_file`); never below zero.
 */
export function memoryUsed(m: EngineStats["memory_stats"]): number {
  const usage = num(m?.usage);
  const stats = m?.stats ?? {};
  if ("total_inactive_file" in stats) {
    const v = num(stats.total_inactive_file);
    if (v < usage) return usage - v;
  }
  const v2 = num(stats.inactive_file);
  return v2 < usage ? usage - v2 : usage;
}

/** The counters of one stats answer. */
export function reading(s: EngineStats): Reading {
  const cpu = s.cpu_stats ?? {};
  let netRx = 0, netTx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    netRx += num(n.rx_bytes);
    netTx += num(n.tx_bytes);
  }
  let blockRead = 0, blockWrite = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    // cgroup v1 spells the ops "Read"/"Write", v2 "read"/"write".
    const op = (e.op ?? "").toLowerCase();
    if (op === "read") blockRead += num(e.value);
    else if (op === "write") blockWrite += num(e.value);
  }
  return {
    cpuTotal: num(cpu.cpu_usage?.total_usage),
    systemTotal: num(cpu.system_cpu_usage),
    onlineCpus: num(cpu.online_cpus) || (cpu.cpu_usage?.percpu_usage?.length ?? 0),
    netRx,
    netTx,
    blockRead,
    blockWrite,
    memBytes: memoryUsed(s.memory_stats),
    memLimit: num(s.memory_stats?.limit),
  };
}

/**
 * CPU in percent as the docker CLI computes it (cli/command/container/
 * stats_helpers.go): the container's CPU time over the host's between two
 * readings, times the CPUs online, so one busy core is 100 %.
 */
export function cpuPercent(prev: Reading, next: Reading): number {
  const cpuDelta = next.cpuTotal - prev.cpuTotal;
  const systemDelta = next.systemTotal - prev.systemTotal;
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  return (cpuDelta / systemDelta) * next.onlineCpus * 100;
}

/** The docker state names; anything else an engine says is "unknown". */
export const STATES = new Set([
  "created",
  "running",
  "paused",
  "restarting",
  "removing",
  "exited",
  "dead",
]);

/** An engine's ISO time as Unix ms; its zero time ("0001-01-01…") and garbage as 0. */
export function isoMs(v: unknown): number {
  if (typeof v !== "string") return 0;
  const ms = Date.parse(v);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}
