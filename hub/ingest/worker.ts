/**
 * The ingest worker: owns the gRPC server and the write path. Liveness goes
 * straight to the heartbeat worker over a MessagePort; stored batches go to
 * the main thread for the SSE broker.
 */
/// <reference lib="deno.worker" />
import { match } from "ts-pattern";
import { logger } from "../../lib/log.ts";
import { loadOrCreateHubTls } from "../auth/ca.ts";
import { loadOrCreateSecret } from "../auth/secrets.ts";
import { openStore } from "../store/open.ts";
import type { FromIngest, ToWorker } from "../messages.ts";
import { IngestService } from "./service.ts";
import { startGrpcServer } from "./server.ts";
import type { Server } from "@grpc/grpc-js";
import type { Store } from "../store/store.ts";

const log = logger("ingest");
const post = (m: FromIngest) => self.postMessage(m);
let running: { server: Server; service: IngestService; store: Store; port: MessagePort } | null =
  null;

self.onmessage = (e: MessageEvent<ToWorker>) => {
  match(e.data)
    .with({ type: "init" }, async ({ config, port }) => {
      try {
        const store = openStore(config.databaseUrl);
        const [secret, tls] = await Promise.all([
          loadOrCreateSecret(config.dataDir),
          loadOrCreateHubTls(config.dataDir, config.tlsNames),
        ]);
        const service = new IngestService({
          store,
          secret,
          caPem: tls.caPem,
          log,
          liveness: (ev) => port.postMessage(ev),
          stored: (ev) => post({ type: "host.metrics", ...ev }),
        });
        const { server, port: grpcPort } = await startGrpcServer(service, tls, config.grpc);
        running = { server, service, store, port };
        post({ type: "ready", grpcPort });
      } catch (err) {
        post({ type: "failed", message: (err as Error).message });
      }
    })
    .with({ type: "shutdown" }, async () => {
      if (running) {
        const { server, service, store, port } = running;
        service.closeAll();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => (server.forceShutdown(), resolve()), 3000);
          server.tryShutdown(() => (clearTimeout(timer), resolve()));
        });
        // Let the disconnect events reach the heartbeat worker before the port closes.
        await new Promise((r) => setTimeout(r, 0));
        port.close();
        await store.close();
      }
      post({ type: "stopped" });
    })
    .exhaustive();
};
