/**
 * The live events browsers receive over SSE (`GET /api/v1/events`), one
 * definition shared by the hub that publishes them and the islands that
 * read them. A capability adds its events to {@link LiveEventMap}
 * (`alert.firing`, `check.status`, `log.lines` …); the broker, the
 * cluster relay and `onLive` in the browser are typed from it, so nothing
 * casts an event's data by hand.
 */
import type { AlertView } from "./alerts/view.ts";

/** The compact figures pushed after each stored batch (see hub/ingest/convert.ts `summarize`). */
export interface MetricsSummary {
  cpu_percent: number | null;
  mem_used_bytes: number | null;
  mem_total_bytes: number | null;
  swap_used_bytes: number | null;
  load1: number | null;
  uptime_s: number | null;
  net_rx_bytes_per_s: number | null;
  net_tx_bytes_per_s: number | null;
  disk_used_percent: number | null;
}

/** A host's liveness: sent when it changes, and for every host when a stream opens. */
export interface HostStatusData {
  id: string;
  status: "online" | "offline";
  /** ISO time of the last heartbeat or batch. */
  last_seen: string | null;
  /** Only in the opening snapshot; a live change comes from a connected (so registered) agent. */
  registered?: boolean;
}

/** A stored batch's summary. */
export interface HostMetricsData extends MetricsSummary {
  id: string;
  /** ISO time the batch was collected. */
  ts: string;
  seq: number;
}

/** A host as the fleet lists it: what it is, its liveness and its last figures. */
export interface FleetRow extends Omit<MetricsSummary, "swap_used_bytes" | "load1"> {
  id: string;
  name: string;
  status: "online" | "offline";
  registered: boolean;
  last_seen: string | null;
  os: string;
  tags: string[];
  environment: string;
  agent_version: string;
}

/** What a user can change about a host (its name and tags). */
export interface HostChangedData {
  id: string;
  name: string;
  tags: string[];
}

/** A stored package batch that changed a host's inventory (its Packages tab reads it again). */
export interface HostPackagesData {
  id: string;
  /** ISO time the batch was collected. */
  ts: string;
  seq: number;
  /** A full inventory (the first, or a resync) rather than a delta. */
  full: boolean;
  /** How many packages it added, removed, upgraded or downgraded (0 for a host's first inventory). */
  changes: number;
}

/** An uptime check's judged status changed (hub/probes/engine.ts). */
export interface CheckStatusData {
  id: string;
  name: string;
  status: "up" | "down" | "pending";
  /** ISO time of the change. */
  since: string;
  /** Down: the failing condition's message. */
  cause: string;
}

/** One log line as the live tail shows it. */
export interface LiveLogLine {
  id: string;
  /** ISO time. */
  ts: string;
  source: string;
  origin: string;
  level: string;
  /** Cut to 1,000 characters: the tail is for reading along; the search has the whole line. */
  message: string;
}

/**
 * Lines a stored log batch added: its newest lines (at most 100), and how
 * many it held. A slow subscriber keeps each host's newest event, so a tail
 * at thousands of lines a second shows the newest and skips, never lags.
 */
export interface LogLinesData {
  /** The host's id, as in host.metrics. */
  id: string;
  count: number;
  lines: LiveLogLine[];
}

/** Every live event's name and the shape of its data. */
export interface LiveEventMap {
  "host.status": HostStatusData;
  "host.metrics": HostMetricsData;
  "host.packages": HostPackagesData;
  /** A host was added (its token created); it waits for its agent. */
  "host.added": FleetRow;
  "host.changed": HostChangedData;
  "host.removed": { id: string };
  /** An alert's condition began; it fires if it holds for its rule's `for`. */
  "alert.pending": AlertView;
  /** An alert fired, or rose to critical. */
  "alert.firing": AlertView;
  "alert.resolved": AlertView;
  /** A pending alert's condition passed before it fired. */
  "alert.cancelled": AlertView;
  "alert.acknowledged": AlertView;
  /** Carried with hostId `check:<id>`, so a fleet subscriber keeps each check's newest. */
  "check.status": CheckStatusData;
  "log.lines": LogLinesData;
}

/** The name of a live event. */
export type LiveEventName = keyof LiveEventMap;

// A record, so the compiler insists that every event is listed.
const NAMES: Record<LiveEventName, true> = {
  "host.status": true,
  "host.metrics": true,
  "host.packages": true,
  "host.added": true,
  "host.changed": true,
  "host.removed": true,
  "alert.pending": true,
  "alert.firing": true,
  "alert.resolved": true,
  "alert.cancelled": true,
  "alert.acknowledged": true,
  "check.status": true,
  "log.lines": true,
};

/** Every event name, for the browser to subscribe to. */
export const LIVE_EVENT_NAMES = Object.keys(NAMES) as LiveEventName[];

/** One event as the broker carries it: the host it concerns, and its data. */
export type LiveEvent = {
  [K in LiveEventName]: { event: K; hostId: string; data: LiveEventMap[K] };
}[LiveEventName];
