/**
 * The typed messages between the hub's parts: the main thread, the heartbeat
 * worker and the ingest process. Every receiver matches on `type`
 * exhaustively (ts-pattern), so adding a message here makes the compiler
 * point at every place that must handle it.
 */
import type { LeaseIdentity } from "./store/leases/keeper.ts";
import type { HubConfig } from "./config.ts";
import type { HostInfo } from "./store/hosts/types.ts";
import type { LogLinesData, MetricsSummary } from "../lib/live_events.ts";
import type { AgentAnswer, AgentRequest } from "./control/types.ts";
import type { CheckRound } from "./store/probes/types.ts";

/** What the ingest process learns about agents' liveness; the heartbeat worker keeps it. */
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

/** Main thread → heartbeat worker. */
export type ToHeartbeat =
  | { type: "init"; config: HubConfig }
  | { type: "ingest.restarted" }
  | { type: "shutdown" }
  | LivenessEvent;

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

/** Main thread → history worker. */
export type ToHistory =
  | { type: "init"; config: HubConfig; lease: LeaseIdentity }
  | { type: "shutdown" };

/** History worker → main thread. */
export type FromHistory =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | { type: "stopped" };

/** Main process → ingest process, one JSON object per line on its stdin. */
export type ToIngest =
  | { type: "host.removed"; hostId: string }
  /** Ask the host's agent `request`; answered by an `agent.response` with the same id. */
  | { type: "agent.request"; id: number; hostId: string; request: AgentRequest }
  /** The host's desired state changed (on any hub): push it to the agent if connected here. */
  | { type: "desired.changed"; hostId: string }
  | { type: "ping"; n: number }
  | { type: "shutdown" };

/** Ingest process → main process, one JSON object per line on its stdout. */
export type FromIngest =
  | { type: "ready"; grpcPort: number }
  | { type: "failed"; message: string }
  | { type: "pong"; n: number }
  | { type: "agent.response"; id: number; result: AgentAnswer }
  | {
    type: "host.metrics";
    hostId: string;
    ts: number;
    seq: number;
    summary: MetricsSummary;
    /** Every value stored, as [metric, label, value]: the alert engine judges them. */
    samples: Array<[string, string, number]>;
    /** Collectors that reported an error in this batch. */
    failing: string[];
  }
  | {
    type: "host.packages";
    hostId: string;
    ts: number;
    seq: number;
    full: boolean;
    changes: number;
  }
  /** Check rounds stored (hub/probes judges them). */
  | { type: "host.checks"; hostId: string; rounds: CheckRound[] }
  /** A log batch stored (its newest lines, for the live tail). */
  | { type: "log.lines"; data: LogLinesData }
  | { type: "stopped" }
  | LivenessEvent;
