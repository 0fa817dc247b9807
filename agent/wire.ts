/**
 * The agent's side of the protocol's encoding: the lean codec generated from
 * proto/sightline/agent/v1/agent.proto by protoc-gen-lean (plain interfaces,
 * encode/decode on protobuf-es's wire-level writer and reader, no reflection
 * runtime, which would cost the agent about 6 MB of resident memory), plus
 * what turns the agent's own types into messages.
 */
import {
  type AgentMessage,
  type CheckResult,
  createCheckResults,
  createHeartbeat,
  createHello,
  createMetricsBatch,
  encodeAgentMessage,
  type Heartbeat,
  type Hello,
} from "../proto/gen/sightline/agent/v1/agent_lean.ts";
import type { Snapshot } from "./collectors/types.ts";

export {
  decodeHubMessage,
  decodeRegisterResponse,
  encodeRegisterRequest,
  type HubMessage,
} from "../proto/gen/sightline/agent/v1/agent_lean.ts";

/** The paths of AgentService's two RPCs. */
export const METHODS = {
  register: "/sightline.agent.v1.AgentService/Register",
  connect: "/sightline.agent.v1.AgentService/Connect",
} as const;

/** An AgentMessage with `kind` set. */
export function encodeAgent(kind: AgentMessage["kind"]): Uint8Array {
  return encodeAgentMessage({ kind });
}

/** AgentMessage{hello}; fields not given are left at their defaults. */
export function encodeHello(h: Partial<Hello>): Uint8Array {
  return encodeAgent({ case: "hello", value: createHello(h) });
}

/** AgentMessage{heartbeat}. */
export function encodeHeartbeat(h: Partial<Heartbeat>): Uint8Array {
  return encodeAgent({ case: "heartbeat", value: createHeartbeat(h) });
}

/** AgentMessage{metrics}: a snapshot as the batch numbered `seq`. */
export function encodeBatch(seq: number, s: Snapshot): Uint8Array {
  return encodeAgent({
    case: "metrics",
    value: createMetricsBatch({
      seq,
      unixMs: s.unixMs,
      cpu: s.cpu,
      memory: s.memory,
      load: s.load,
      uptimeS: s.uptimeS ?? 0,
      filesystems: s.filesystems,
      disks: s.disks,
      net: s.net,
      temperatures: s.temperatures,
      errors: s.errors,
      intervalS: s.intervalS,
      containers: s.containers?.containers ?? [],
      containerEvents: s.containers?.events ?? [],
      containersListed: s.containers?.listed ?? false,
      containerEngine: s.containers?.engine ?? "",
    }),
  });
}

/** AgentMessage{checks}: check results as the batch numbered `seq`. */
export function encodeCheckResults(
  seq: number,
  unixMs: number,
  results: CheckResult[],
): Uint8Array {
  return encodeAgent({ case: "checks", value: createCheckResults({ seq, unixMs, results }) });
}
