/**
 * The agent port: TLS 1.3 (Deno's rustls, through node:tls, which can set a
 * minimum version where Deno.listenTls cannot), HTTP/2 and gRPC in
 * TypeScript (lib/h2, lib/grpc), and the IngestService behind them.
 *
 * Why not grpc-js on node:http2: Deno 2.9's node:http2 server is nghttp2 in
 * native code, and clients (a registration storm, a GOAWAY while streams
 * close) could abort the process on an nghttp2 assertion or a SIGSEGV. See
 * docs/architecture.md, "The agent port", for what was measured.
 */
import tls from "node:tls";
import type { Socket } from "node:net";
import { AgentService } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import { DEFAULT_LIMITS, H2Server } from "../../lib/h2/server.ts";
import { GrpcServer } from "../../lib/grpc/server.ts";
import type { Logger } from "../../lib/log.ts";
import type { HubTls } from "../auth/ca.ts";
import type { IngestService } from "./service.ts";

/** Largest message an agent may send (a batch is a few KB). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Time a client has to finish the TLS handshake. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface GrpcListener {
  port: number;
  /** GOAWAY to every connection; those still open after `graceMs` are dropped. */
  close(graceMs: number): Promise<void>;
}

/** The gRPC paths, from the generated service (so a rename cannot drift). */
function path(localName: string): string {
  const m = AgentService.methods.find((x) => x.localName === localName);
  if (!m) throw new Error(`AgentService has no method ${localName}`);
  return `/${AgentService.typeName}/${m.name}`;
}

/**
 * The most connections this process takes: what its open-file limit leaves
 * after the files and sockets it needs for itself.
 */
export function connectionLimit(): number {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1]);
    if (soft > 1024) return soft - 512;
  } catch { /* not Linux */ }
  return 10_000;
}

/** Starts the agent port on `hostname:port`; resolves once it listens. */
export async function startGrpcServer(
  service: IngestService,
  hubTls: HubTls,
  addr: { hostname: string; port: number },
  log: Logger,
  maxConnections = connectionLimit(),
): Promise<GrpcListener> {
  const grpc = new GrpcServer({
    maxMessageBytes: MAX_MESSAGE_BYTES,
    onInternalError: (method, err) => log.error("Agent call failed", { method, error: err }),
  });
  grpc.unary(path("register"), (req, call) => service.register(req, call.peer));
  grpc.handle(path("connect"), (call) => service.connect(call));
  const h2 = new H2Server(grpc.onStream, DEFAULT_LIMITS);

  const sockets = new Set<Socket>();
  const server = tls.createServer({
    key: hubTls.keyPem,
    cert: hubTls.certPem,
    minVersion: "TLSv1.3",
    ALPNProtocols: ["h2"],
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  });
  let refused = 0;
  server.on("connection", (socket: Socket) => {
    // Over the limit: refuse before any TLS work, so a flood costs little.
    if (sockets.size >= maxConnections) {
      if (refused++ % 1000 === 0) {
        log.warn("Refusing connections: at the limit", { limit: maxConnections, refused });
      }
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.setNoDelay(true);
  });
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    socket.on("error", () => {});
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    h2.serve(socket, peer);
  });
  // A failed handshake is the client's problem; it must not reach the log at error level.
  server.on("tlsClientError", () => {});
  server.on("error", (err: Error) => log.error("Agent port error", { error: err }));

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(addr.port, addr.hostname, () => {
      server.off("error", reject);
      resolve((server.address() as { port: number }).port);
    });
  });
  return {
    port,
    async close(graceMs: number) {
      server.close();
      await h2.close(graceMs);
      for (const s of sockets) s.destroy();
    },
  };
}
