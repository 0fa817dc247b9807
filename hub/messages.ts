/**
 * The typed messages the hub's main thread and its workers exchange. Every
 * receiver matches on `type` exhaustively (ts-pattern), so adding a message
 * here makes the compiler point at every place that must handle it.
 */
import type { HubConfig } from "./config.ts";
import type { HostInfo } from "./store/store.ts";

/** The compact figures pushed to browsers after each stored batch. */
export interface MetricsSummary {
  cpu_percent: number | null;
  mem_used_bytes: number | null;
  mem_total_bytes: number | null;
  swap_used_bytes: number | null;
  load1: number | null;
  uptime_s: number | null;
  net_rx_bytes_per_s: number;
  net_tx_bytes_per_s: number;
  disk_used_percent: number | null;
}

/** Ingest worker → heartbeat worker, over a MessagePort of their own. */
export type LivenessEvent =
  | { type: "agent.connected"; hostId: string; streamId: number; at: number; info: HostInfo }
  | {
    type: "agent.heartbeat";
    hostId: string;
    streamId: number;
    at: number;
    droppedBatches: number;
    pendingBatches: number;
  }
  | { type: "agent.disconnected"; hostId: string; streamId: number; at: number };

/** Main thread → a worker. `port` links ingest to heartbeat. */
export type ToWorker =
  | { type: "init"; config: HubConfig; port: MessagePort }
  | { type: "shutdown" };

/** Ingest worker → main thread. */
export type FromIngest =
  | { type: "ready"; grpcPort: number }
  | { type: "failed"; message: string }
  | { type: "host.metrics"; hostId: string; ts: number; seq: number; summary: MetricsSummary }
  | { type: "stopped" };

/** Heartbeat worker → main thread. */
export type FromHeartbeat =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | {
    type: "host.status";
    hostId: string;
    status: "online" | "offline";
    lastSeen: number | null;
    pendingBatches: number;
  }
  | { type: "stopped" };
