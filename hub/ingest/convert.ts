/**
 * The hub's one boundary between protobuf and application types: checks a
 * batch an agent sent against limits and turns it into what the store keeps
 * (flat points per series plus the `latest` snapshot) and what browsers get.
 */
import type { Hello, MetricsBatch } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import type { HostInfo } from "../store/hosts/types.ts";
import type { Point, StoredBatch } from "../store/metrics/types.ts";
import { inRange, metric } from "../../lib/metrics.ts";
import { cleanName } from "../../lib/names.ts";
import type {
  ContainerEventInput,
  ContainerInput,
  ContainerReport,
} from "../store/containers/types.ts";

const LIMITS = { items: 512, cores: 1024, text: 256 };
const EARLIEST_MS = Date.UTC(2020, 0, 1);
const MAX_FUTURE_MS = 10 * 60_000;
const ENVIRONMENTS = new Set(["physical", "vm", "container", "unknown"]);

/** Raised when an agent's message breaks a limit; the message says which. */
export class InvalidMessage extends Error {}

function text(field: string, value: string): string {
  if (value.length > LIMITS.text) {
    throw new InvalidMessage(`${field} is longer than ${LIMITS.text}`);
  }
  return value;
}

function items<T>(field: string, list: T[], max = LIMITS.items): T[] {
  if (list.length > max) throw new InvalidMessage(`${field} has more than ${max} entries`);
  return list;
}

/** Validates a Hello and returns the host facts it carries. */
export function helloToInfo(h: Hello): HostInfo {
  const interval = h.metricsIntervalS;
  return {
    hostname: cleanName("host", text("hostname", h.hostname)),
    os: text("os", h.os),
    arch: text("arch", h.arch),
    kernel: text("kernel", h.kernel),
    agent_version: text("agent_version", h.agentVersion),
    environment: ENVIRONMENTS.has(h.environment) ? h.environment : "unknown",
    ips: items("ips", h.ips, 64).map((ip) => text("ip", ip)),
    interval_s: Number.isFinite(interval) && interval >= 1 && interval <= 3600 ? interval : 30,
    dropped_batches: Number(h.droppedBatches),
  };
}

/** A value an agent sent that its metric cannot have: dropped, never stored. */
export interface DroppedValue {
  metric: string;
  label: string;
  value: number;
}

/**
 * Validates a batch and flattens it for the store. Throws
 * {@link InvalidMessage} for a batch that breaks a limit; a value outside its
 * metric's range (lib/metrics.ts) is dropped from both the series and the
 * snapshot and listed in `dropped`, and the rest of the batch is kept.
 */
export function batchToStored(
  b: MetricsBatch,
  now = Date.now(),
): StoredBatch & { dropped: DroppedValue[]; containers: ContainerReport | null } {
  const seq = Number(b.seq);
  const ts = Number(b.unixMs);
  if (seq < 1 || !Number.isSafeInteger(seq)) throw new InvalidMessage("seq must be at least 1");
  if (ts < EARLIEST_MS || ts > now + MAX_FUTURE_MS) {
    throw new InvalidMessage(`unix_ms ${ts} is not a plausible time`);
  }
  const points: Point[] = [];
  const dropped: DroppedValue[] = [];
  /** `value` when `name` can have it, else null (listed as dropped once). */
  const checked = (name: string, value: number, label = ""): number | null => {
    const def = metric(name);
    if (!def) throw new Error(`${name} is not in the metric catalogue`);
    if (inRange(def, value)) return value;
    dropped.push({ metric: name, label, value });
    return null;
  };
  const add = (name: string, value: number | null, label = "") => {
    if (value !== null) points.push({ metric: name, label, value });
  };
  const latest: Record<string, unknown> = { ts: new Date(ts).toISOString(), seq };

  if (b.cpu) {
    const c = b.cpu;
    items("cpu.per_core", c.perCore, LIMITS.cores);
    const cpu = {
      percent: checked("cpu_percent", c.percent),
      user: checked("cpu_user", c.user),
      system: checked("cpu_system", c.system),
      iowait: checked("cpu_iowait", c.iowait),
      steal: checked("cpu_steal", c.steal),
      cores: Number.isSafeInteger(c.cores) && c.cores >= 0 && c.cores <= LIMITS.cores
        ? c.cores
        : null,
      per_core: c.perCore.map((v, i) => checked("cpu_core_percent", v, String(i))),
    };
    add("cpu_percent", cpu.percent);
    add("cpu_user", cpu.user);
    add("cpu_system", cpu.system);
    add("cpu_iowait", cpu.iowait);
    add("cpu_steal", cpu.steal);
    cpu.per_core.forEach((v, i) => add("cpu_core_percent", v, String(i)));
    Object.assign(latest, { cpu_percent: cpu.percent, cpu });
  }
  if (b.memory) {
    const m = b.memory;
    const total = checked("mem_total_bytes", Number(m.totalBytes));
    const swapTotal = checked("swap_total_bytes", Number(m.swapTotalBytes));
    // A part cannot be larger than its whole.
    const part = (name: string, v: bigint, whole: number | null) => {
      const value = checked(name, Number(v));
      if (value === null || whole === null || value <= whole) return value;
      dropped.push({ metric: name, label: "", value });
      return null;
    };
    const mem = {
      mem_total_bytes: total,
      mem_used_bytes: part("mem_used_bytes", m.usedBytes, total),
      mem_available_bytes: part("mem_available_bytes", m.availableBytes, total),
      mem_cached_bytes: part("mem_cached_bytes", m.cachedBytes, total),
      swap_total_bytes: swapTotal,
      swap_used_bytes: part("swap_used_bytes", m.swapUsedBytes, swapTotal),
    };
    for (const [k, v] of Object.entries(mem)) add(k, v);
    // Derived here, once, so an alert rule and a chart compare a share of the whole.
    const usedPercent = mem.mem_used_bytes !== null && total
      ? checked("mem_used_percent", (mem.mem_used_bytes / total) * 100)
      : null;
    add("mem_used_percent", usedPercent);
    Object.assign(latest, mem, { mem_used_percent: usedPercent });
  }
  if (b.load) {
    const load = {
      load1: checked("load1", b.load.load1),
      load5: checked("load5", b.load.load5),
      load15: checked("load15", b.load.load15),
    };
    for (const [k, v] of Object.entries(load)) add(k, v);
    Object.assign(latest, load);
  }
  if (b.uptimeS > 0) {
    latest.uptime_s = checked("uptime_s", b.uptimeS);
    add("uptime_s", latest.uptime_s as number | null);
  }
  latest.filesystems = items("filesystems", b.filesystems).map((f) => {
    const mount = text("mount", f.mount);
    const size = checked("fs_size_bytes", Number(f.sizeBytes), mount);
    let used = checked("fs_used_bytes", Number(f.usedBytes), mount);
    if (used !== null && size !== null && used > size) {
      dropped.push({ metric: "fs_used_bytes", label: mount, value: used });
      used = null;
    }
    const avail = Number(f.availBytes);
    const fs = {
      mount,
      device: text("device", f.device),
      fstype: text("fstype", f.fstype),
      size_bytes: size,
      used_bytes: used,
      avail_bytes: size !== null && avail >= 0 && avail <= size ? avail : null,
    };
    add("fs_used_bytes", used, mount);
    add("fs_size_bytes", size, mount);
    if (used !== null && size) add("fs_used_percent", (used / size) * 100, mount);
    return fs;
  });
  // Counters are only shown; rates are series, and only once there is an interval.
  const counter = (v: bigint) => {
    const n = Number(v);
    return n >= 0 && n <= Number.MAX_SAFE_INTEGER ? n : null;
  };
  const withRates = b.intervalS > 0;
  latest.disks = items("disks", b.disks).map((d) => {
    const device = text("device", d.device);
    const disk = {
      device,
      read_bytes: counter(d.readBytes),
      write_bytes: counter(d.writeBytes),
      reads: counter(d.reads),
      writes: counter(d.writes),
      read_bytes_per_s: withRates
        ? checked("disk_read_bytes_per_s", d.readBytesPerS, device)
        : null,
      write_bytes_per_s: withRates
        ? checked("disk_write_bytes_per_s", d.writeBytesPerS, device)
        : null,
    };
    add("disk_read_bytes_per_s", disk.read_bytes_per_s, device);
    add("disk_write_bytes_per_s", disk.write_bytes_per_s, device);
    return disk;
  });
  latest.net = items("net", b.net).map((n) => {
    const iface = text("iface", n.iface);
    const net = {
      iface,
      rx_bytes: counter(n.rxBytes),
      tx_bytes: counter(n.txBytes),
      rx_packets: counter(n.rxPackets),
      tx_packets: counter(n.txPackets),
      rx_errors: counter(n.rxErrors),
      tx_errors: counter(n.txErrors),
      rx_drops: counter(n.rxDrops),
      tx_drops: counter(n.txDrops),
      rx_bytes_per_s: withRates ? checked("net_rx_bytes_per_s", n.rxBytesPerS, iface) : null,
      tx_bytes_per_s: withRates ? checked("net_tx_bytes_per_s", n.txBytesPerS, iface) : null,
    };
    add("net_rx_bytes_per_s", net.rx_bytes_per_s, iface);
    add("net_tx_bytes_per_s", net.tx_bytes_per_s, iface);
    return net;
  });
  latest.temperatures = items("temperatures", b.temperatures).map((t) => {
    const sensor = text("sensor", t.sensor);
    const celsius = checked("temp_celsius", t.celsius, sensor);
    add("temp_celsius", celsius, sensor);
    return { sensor, celsius };
  });
  latest.errors = items("errors", b.errors).map((e) => ({
    collector: text("collector", e.collector),
    message: e.message.slice(0, 1024),
  }));
  const containers = containersOf(b, seq, ts, now, checked, add, dropped);
  if (containers?.listed) {
    latest.containers = {
      engine: containers.engine,
      total: containers.containers.length,
      running: containers.containers.filter((c) => c.state === "running").length,
    };
  }
  if (dropped.length) latest.invalid_values = dropped.length;
  return { seq, ts, points, latest, dropped, containers };
}

/** Docker's rule for names (Podman's is the same), bounded. */
const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const CONTAINER_ID = /^[0-9a-f]{12,64}$/;
/** An image reference: registry/name:tag@digest, printable ASCII without spaces. */
const IMAGE = /^[\x21-\x7e]{0,256}$/;
const STATES = new Set([
  "created",
  "running",
  "paused",
  "restarting",
  "removing",
  "exited",
  "dead",
  "unknown",
]);
const HEALTH = new Set(["", "starting", "healthy", "unhealthy"]);
const ACTIONS = new Set(["start", "stop", "die", "oom", "health_status"]);

/**
 * A batch's containers and container events, each checked on its own: one
 * that breaks a rule (a name no engine gives, a state no engine has) is
 * dropped and counted with the impossible values, the rest is kept. Each
 * container's figures become series labelled by its name.
 */
function containersOf(
  b: MetricsBatch,
  seq: number,
  ts: number,
  now: number,
  checked: (name: string, value: number, label?: string) => number | null,
  add: (name: string, value: number | null, label?: string) => void,
  dropped: DroppedValue[],
): ContainerReport | null {
  items("containers", b.containers);
  items("container_events", b.containerEvents, 1024);
  if (!b.containersListed && b.containerEvents.length === 0) return null;
  const time = (v: bigint) => {
    const ms = Number(v);
    return ms >= EARLIEST_MS && ms <= now + MAX_FUTURE_MS ? ms : null;
  };
  const refuse = (what: string) => dropped.push({ metric: what, label: "", value: NaN });
  const containers: ContainerInput[] = [];
  const names = new Set<string>();
  for (const c of b.containers) {
    if (
      !CONTAINER_ID.test(c.id) || !CONTAINER_NAME.test(c.name) || !IMAGE.test(c.image) ||
      !STATES.has(c.state) || !HEALTH.has(c.health) || names.has(c.name)
    ) {
      refuse("containers");
      continue;
    }
    names.add(c.name);
    const running = c.state === "running";
    const mem = running && c.hasStats
      ? checked("container_mem_bytes", Number(c.memBytes), c.name)
      : null;
    const cpu = running && c.hasRates
      ? checked("container_cpu_percent", c.cpuPercent, c.name)
      : null;
    add("container_mem_bytes", mem, c.name);
    add("container_cpu_percent", cpu, c.name);
    if (running && c.hasRates) {
      for (
        const [metricName, v] of [
          ["container_net_rx_bytes_per_s", c.netRxBytesPerS],
          ["container_net_tx_bytes_per_s", c.netTxBytesPerS],
          ["container_block_read_bytes_per_s", c.blockReadBytesPerS],
          ["container_block_write_bytes_per_s", c.blockWriteBytesPerS],
        ] as const
      ) add(metricName, checked(metricName, v, c.name), c.name);
    }
    containers.push({
      id: c.id,
      name: c.name,
      image: c.image,
      state: c.state,
      health: c.health,
      restarts: c.restartCount,
      cpu_percent: cpu,
      mem_bytes: mem,
      created_at: time(c.createdUnixMs),
      started_at: time(c.startedUnixMs),
    });
  }
  const events: ContainerEventInput[] = [];
  for (const e of b.containerEvents) {
    const at = time(e.unixMs);
    if (
      at === null || !CONTAINER_ID.test(e.containerId) || !CONTAINER_NAME.test(e.name) ||
      !IMAGE.test(e.image) || !ACTIONS.has(e.action) || !HEALTH.has(e.health)
    ) {
      refuse("container_events");
      continue;
    }
    events.push({
      ts: at,
      container_id: e.containerId,
      name: e.name,
      image: e.image,
      action: e.action,
      exit_code: e.exitCode,
      health: e.health,
    });
  }
  return {
    seq,
    ts,
    listed: b.containersListed,
    engine: b.containerEngine.replace(/[^\x20-\x7e]/g, "").slice(0, 64),
    containers,
    events,
  };
}
