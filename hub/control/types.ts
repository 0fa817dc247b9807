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
  | { case: "packagesResync" }
  /** The actions the host's own file allows (issue 20). */
  | { case: "actionList" }
  /** One action, with its operator's grant; the agent checks everything. */
  | { case: "runAction"; run: RunActionInput };

/** An action request as the hub relays it: names and text only, the grant as signed (base64). */
export interface RunActionInput {
  action: string;
  params: Record<string, string>;
  grant: string;
  signature: string;
}

/** One parameter of an allowed action (ActionParamSpec in the .proto). */
export interface ActionParamAnswer {
  name: string;
  type: "int" | "enum" | "name";
  values?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}

/** What a host allows (ActionList in the .proto), as the REST API shows it. */
export interface ActionListAnswer {
  actions: Array<
    {
      name: string;
      kind: "container" | "unit" | "command";
      description: string;
      params: ActionParamAnswer[];
    }
  >;
  /** Fingerprints of the operator keys the host pinned. */
  operator_keys: string[];
  /** Why the host's files were refused, or "". */
  problem: string;
}

/** What became of one action (ActionResult in the .proto). */
export type ActionResultAnswer =
  | { refused: string }
  | { exit_code: number; output: string; output_truncated: boolean; duration_ms: number };

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
  | { ok: true; case: "actionList"; list: ActionListAnswer }
  | { ok: true; case: "runAction"; result: ActionResultAnswer }
  /** The seq the full inventory was appended under. */
  | { ok: true; case: "packagesResync"; seq: number }
  | { ok: false; error: AgentFailure; message: string };

/** How long the ingest process waits for an agent's answer. */
export const REQUEST_TIMEOUT_MS = 5000;
/**
 * How long it waits for an action: a command may run 55 s (agent/actions/file.ts),
 * a container's restart waits up to 10 s for it to stop.
 */
export const ACTION_TIMEOUT_MS = 65_000;

/** The ingest process's timeout for `req`. */
export function timeoutFor(req: AgentRequest): number {
  return req.case === "runAction" ? ACTION_TIMEOUT_MS : REQUEST_TIMEOUT_MS;
}
