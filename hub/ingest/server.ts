/** Binds the IngestService to a TLS 1.3 grpc-js server. */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import {
  type AgentMessage,
  AgentService,
  type HubMessage,
  type RegisterRequest,
  type RegisterResponse,
} from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { grpcDefinition } from "../../lib/grpc_adapter.ts";
import type { HubTls } from "../auth/ca.ts";
import { GrpcError, type IngestService } from "./service.ts";

/** Largest message an agent may send (a batch is a few KB). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Starts the gRPC server on `hostname:port`; resolves with the bound port. */
export async function startGrpcServer(
  service: IngestService,
  tls: HubTls,
  addr: { hostname: string; port: number },
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_permit_without_calls": 1,
  });
  server.addService(grpcDefinition(AgentService), {
    register: (
      call: grpc.ServerUnaryCall<RegisterRequest, RegisterResponse>,
      cb: grpc.sendUnaryData<RegisterResponse>,
    ) => {
      call.sendMetadata(new grpc.Metadata()); // see connect below
      service.register(call.request, call.getPeer()).then(
        (res) => cb(null, res),
        (err) =>
          cb({
            code: err instanceof GrpcError ? err.code : grpc.status.INTERNAL,
            details: err instanceof GrpcError ? err.message : "Internal error",
          }),
      );
    },
    connect: (call: grpc.ServerDuplexStream<AgentMessage, HubMessage>) => {
      // Headers first, always: a refusal sent as a trailers-only response (one
      // HEADERS frame ending the stream) leaves Deno 2.9.6's HTTP/2 server in
      // a state where a later connection's close crashes the ingest process
      // (SIGSEGV, or an nghttp2 assertion in find_stream_on_goaway_func).
      // Measured: 2-3 crashes in 6 rounds of a refused registration then
      // probes, without this; none in 30 with it (core_test checks it).
      call.sendMetadata(new grpc.Metadata());
      void service.connect(call);
    },
  });
  // Deno's TLS server lists every system root in its CertificateRequest unless
  // rootCerts is given, and the handshake then fails: always pass our own CA.
  const creds = grpc.ServerCredentials.createSsl(
    Buffer.from(tls.caPem),
    [{ private_key: Buffer.from(tls.keyPem), cert_chain: Buffer.from(tls.certPem) }],
    false,
  );
  const tls13 = creds as unknown as { _getConstructorOptions(): object };
  const base = tls13._getConstructorOptions.bind(creds);
  tls13._getConstructorOptions = () => ({ ...base(), minVersion: "TLSv1.3" });
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${addr.port}`, creds, (err, p) => (err ? reject(err) : resolve(p)))
  );
  return { server, port };
}
