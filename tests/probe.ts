/** A raw Connect probe for tests: opens a stream with given credentials and reports how it ends. */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { AgentMessageSchema, AgentService } from "../proto/gen/sightline/agent/v1/agent_pb.ts";
import { grpcDefinition } from "../lib/grpc_adapter.ts";
import { AUTH_KEYS, type StreamCredentials } from "../lib/stream_auth.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";

const Client = grpc.makeGenericClientConstructor(grpcDefinition(AgentService), "AgentService");

/** Opens a Connect stream with `creds` and resolves with the status it ends with (or "welcomed"). */
/**
 * Opens a Connect stream with `creds`; resolves with the status it ends with,
 * or "welcomed". With `heartbeatFirst` it breaks the protocol (no Hello) and
 * waits for the hub to end the stream.
 */
export function tryConnect(
  addr: string,
  caPem: string,
  creds: Partial<StreamCredentials>,
  heartbeatFirst = false,
): Promise<number | "welcomed"> {
  const client = new Client(addr, grpc.credentials.createSsl(Buffer.from(caPem)), {
    "grpc.ssl_target_name_override": HUB_TLS_NAME,
    // A connection of its own per probe: grpc-js otherwise shares one between clients.
    "grpc.use_local_subchannel_pool": 1,
  }) as unknown as grpc.Client & {
    connect(
      md: grpc.Metadata,
      options: grpc.CallOptions,
    ): grpc.ClientDuplexStream<unknown, unknown>;
  };
  const md = new grpc.Metadata();
  if (creds.agentId) md.set(AUTH_KEYS.agentId, creds.agentId);
  if (creds.timestamp) md.set(AUTH_KEYS.timestamp, creds.timestamp);
  if (creds.nonce) md.set(AUTH_KEYS.nonce, creds.nonce);
  if (creds.signature) md.set(AUTH_KEYS.signature, creds.signature);
  return new Promise((resolve) => {
    // A deadline, so a hub that never answers fails the test instead of hanging it.
    const call = client.connect(md, { deadline: Date.now() + 10_000 });
    call.on("data", () => {
      if (heartbeatFirst) return; // the Welcome; the refusal follows
      call.cancel();
      client.close();
      resolve("welcomed");
    });
    call.on("error", (err: grpc.ServiceError) => {
      client.close();
      resolve(err.code);
    });
    call.write(
      heartbeatFirst
        ? create(AgentMessageSchema, { kind: { case: "heartbeat", value: {} } })
        : create(AgentMessageSchema, { kind: { case: "hello", value: { hostname: "probe" } } }),
    );
  });
}
