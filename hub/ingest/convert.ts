/**
 * The hub's one boundary between protobuf and application types: checks a
 * batch an agent sent against limits and turns it into what the store keeps
 * (flat points per series plus the `latest` snapshot) and what browsers get.
 */
import type { Hello, MetricsBatch } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import type { HostInfo, Point, StoredBatch } from "../store/store.ts";
import type { MetricsSummary } from "../messages.ts";

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
    hostname: text("hostname", h.hostname),
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

/** Validates a batch and flattens it for the store. Throws {@link InvalidMessage}. */
export function batchToStored(b: MetricsBatch, now = Date.now()): StoredBatch {
  const seq = Number(b.seq);
  const ts = Number(b.unixMs);
  if (seq < 1 || !Number.isSafeInteger(seq)) throw new InvalidMessage("seq must be at least 1");
  if (ts < EARLIEST_MS || ts > now + MAX_FUTURE_MS) {
    throw new InvalidMessage(`unix_ms ${ts} is not a plausible time`);
  }
  const points: Point[] = [];
  const add = (metric: string, value: number | undefined, label = "") => {
    if (value !== undefined && Number.isFinite(value)) points.push({ metric, label, value });
  };
  const latest: Record<string, unknown> = { ts: new Date(ts).toISOString(), seq };

  if (b.cpu) {
    const c = b.cpu;
    items("cpu.per_core", c.perCore, LIMITS.cores);
    add("cpu_percent", c.percent);
    add("cpu_user", c.user);
    add("cpu_system", c.system);
    add("cpu_iowait", c.iowait);
    add("cpu_steal", c.steal);
    c.perCore.forEach((v, i) => add("cpu_core_percent", v, String(i)));
    Object.assign(latest, {
      cpu_percent: c.percent,
      cpu: {
        percent: c.percent,
        user: c.user,
        system: c.system,
        iowait: c.iowait,
        steal: c.steal,
        cores: c.cores,
        per_core: c.perCore,
      },
    });
  }
  if (b.memory) {
    const m = b.memory;
    const mem = {
      mem_total_bytes: Number(m.totalBytes),
      mem_used_bytes: Number(m.usedBytes),
      mem_available_bytes: Number(m.availableBytes),
      mem_cached_bytes: Number(m.cachedBytes),
      swap_total_bytes: Number(m.swapTotalBytes),
      swap_used_bytes: Number(m.swapUsedBytes),
    };
    for (const [k, v] of Object.entries(mem)) add(k, v);
    Object.assign(latest, mem);
  }
  if (b.load) {
    add("load1", b.load.load1);
    add("load5", b.load.load5);
    add("load15", b.load.load15);
    Object.assign(latest, { load1: b.load.load1, load5: b.load.load5, load15: b.load.load15 });
  }
  if (b.uptimeS > 0) {
    add("uptime_s", b.uptimeS);
    latest.uptime_s = b.uptimeS;
  }
  latest.filesystems = items("filesystems", b.filesystems).map((f) => {
    const fs = {
      mount: text("mount", f.mount),
      device: text("device", f.device),
      fstype: text("fstype", f.fstype),
      size_bytes: Number(f.sizeBytes),
      used_bytes: Number(f.usedBytes),
      avail_bytes: Number(f.availBytes),
    };
    add("fs_used_bytes", fs.used_bytes, fs.mount);
    add("fs_size_bytes", fs.size_bytes, fs.mount);
    if (fs.size_bytes > 0) add("fs_used_percent", (fs.used_bytes / fs.size_bytes) * 100, fs.mount);
    return fs;
  });
  latest.disks = items("disks", b.disks).map((d) => {
    const disk = {
      device: text("device", d.device),
      read_bytes: Number(d.readBytes),
      write_bytes: Number(d.writeBytes),
      reads: Number(d.reads),
      writes: Number(d.writes),
      read_bytes_per_s: d.readBytesPerS,
      write_bytes_per_s: d.writeBytesPerS,
    };
    if (b.intervalS > 0) {
      add("disk_read_bytes_per_s", disk.read_bytes_per_s, disk.device);
      add("disk_write_bytes_per_s", disk.write_bytes_per_s, disk.device);
    }
    return disk;
  });
  latest.net = items("net", b.net).map((n) => {
    const net = {
      iface: text("iface", n.iface),
      rx_bytes: Number(n.rxBytes),
      tx_bytes: Number(n.txBytes),
      rx_packets: Number(n.rxPackets),
      tx_packets: Number(n.txPackets),
      rx_errors: Number(n.rxErrors),
      tx_errors: Number(n.txErrors),
      rx_drops: Number(n.rxDrops),
      tx_drops: Number(n.txDrops),
      rx_bytes_per_s: n.rxBytesPerS,
      tx_bytes_per_s: n.txBytesPerS,
    };
    if (b.intervalS > 0) {
      add("net_rx_bytes_per_s", net.rx_bytes_per_s, net.iface);
      add("net_tx_bytes_per_s", net.tx_bytes_per_s, net.iface);
    }
    return net;
  });
  latest.temperatures = items("temperatures", b.temperatures).map((t) => {
    add("temp_celsius", t.celsius, text("sensor", t.sensor));
    return { sensor: t.sensor, celsius: t.celsius };
  });
  latest.errors = items("errors", b.errors).map((e) => ({
    collector: text("collector", e.collector),
    message: e.message.slice(0, 1024),
  }));
  return { seq, ts, points, latest };
}

/** The few figures a fleet view needs, from a stored batch's snapshot. */
export function summarize(latest: Record<string, unknown>): MetricsSummary {
  const num = (k: string) => (typeof latest[k] === "number" ? latest[k] as number : null);
  const net = (latest.net ?? []) as Array<{ rx_bytes_per_s: number; tx_bytes_per_s: number }>;
  const root = ((latest.filesystems ?? []) as Array<
    { mount: string; size_bytes: number; used_bytes: number }
  >).find((f) => f.mount === "/");
  return {
    cpu_percent: num("cpu_percent"),
    mem_used_bytes: num("mem_used_bytes"),
    mem_total_bytes: num("mem_total_bytes"),
    swap_used_bytes: num("swap_used_bytes"),
    load1: num("load1"),
    uptime_s: num("uptime_s"),
    net_rx_bytes_per_s: net.reduce((s, n) => s + (n.rx_bytes_per_s || 0), 0),
    net_tx_bytes_per_s: net.reduce((s, n) => s + (n.tx_bytes_per_s || 0), 0),
    disk_used_percent: root && root.size_bytes > 0
      ? (root.used_bytes / root.size_bytes) * 100
      : null,
  };
}
