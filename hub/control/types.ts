/**
 * The shapes of the control channel as the hub's processes pass them
 * (hub/messages.ts carries them between the main and ingest processes): a
 * request a user's call makes of one agent, and the answer, which is the
 * agent's or the reason there is none.
 */

/** A question for an agent. */
export type AgentRequest =
  | { case: "agentInfo" }
  | { case: "topProcesses" }
  /** Append a full package inventory to the WAL now (the hub lacks the baseline of a delta). */
  | { case: "packagesResync" };

/** What an agent says about itself (AgentInfo in the .proto), as the REST API shows it. */
export interface AgentInfoAnswer {
  agent_version: string;
  uptime_s: number;
  host_uptime_s: number;
  pid: number;
  wal_pending_batches: number;
  collectors: string[];
  metrics_interval_s: number;
  desired_version: number;
}

/** One process as the REST API shows it (Process in the .proto); never its command line. */
export interface ProcessAnswer {
  pid: number;
  /** The kernel's short name (comm), cleaned of hidden characters, at most 64 characters. */
  name: string;
  /** The owner's user name, or the uid as text. */
  user: string;
  /** Percent of one core over the agent's ~500 ms window (above 100 on several cores). */
  cpu_percent: number;
  rss_bytes: number;
  /** Resident set as a percent of the host's memory. */
  mem_percent: number;
}

/** The host's top processes (TopProcesses in the .proto), at most ten of each. */
export interface TopProcessesAnswer {
  /** When the agent took the snapshot, ISO 8601. */
  at: string;
  /** How many processes the agent saw. */
  total: number;
  by_cpu: ProcessAnswer[];
  by_memory: ProcessAnswer[];
}

/** Why an agent gave no answer. */
export type AgentFailure =
  /** No stream from that agent on this hub. */
  | "not_connected"
  /** The stream ended before the answer came. */
  | "disconnected"
  /** No answer in time (an agent older than the control channel never answers). */
  | "timeout"
  /** The agent does not know this request. */
  | "unsupported"
  /** The agent knows the request but could not answer it. */
  | "failed"
  /** The answer broke the protocol; the stream was ended. */
  | "invalid";

/** The outcome of one request. */
export type AgentAnswer =
  | { ok: true; case: "agentInfo"; info: AgentInfoAnswer }
  | { ok: true; case: "topProcesses"; processes: TopProcessesAnswer }
  /** The seq the full inventory was appended under. */
  | { ok: true; case: "packagesResync"; seq: number }
  | { ok: false; error: AgentFailure; message: string };

/** How long the ingest process waits for an agent's answer. */
export const REQUEST_TIMEOUT_MS = 5000;
