/**
 * The hub: reads its configuration, migrates the store, starts the ingest
 * and heartbeat workers, then serves the dashboard and the REST/SSE API.
 */
import { match } from "ts-pattern";
import { logger } from "./lib/log.ts";
import { loadHubConfig } from "./hub/config.ts";
import { openStore } from "./hub/store/open.ts";
import { Broker } from "./hub/live/broker.ts";
import { StatusMirror } from "./hub/http/status_mirror.ts";
import { createApp } from "./hub/http/app.ts";
import { startWorkers } from "./hub/workers.ts";

const log = logger("hub");

async function main() {
  const config = loadHubConfig();
  await Deno.mkdir(config.dataDir, { recursive: true });
  const store = openStore(config.databaseUrl);
  const applied = await store.migrate();
  if (applied.length) log.info("Applied migrations", { files: applied.join(",") });

  const broker = new Broker();
  const status = new StatusMirror();
  const workers = await startWorkers(config, {
    // A worker that died leaves the hub half-alive; exit so a supervisor restarts
    // it. Agents hold their batches in their WALs meanwhile.
    fatal: (worker, message) => {
      log.error("Worker crashed", { worker, error: message });
      Deno.exit(1);
    },
    ingest: (m) =>
      match(m)
        .with({ type: "host.metrics" }, (e) =>
          broker.publish({
            event: "host.metrics",
            hostId: e.hostId,
            data: { id: e.hostId, ts: new Date(e.ts).toISOString(), seq: e.seq, ...e.summary },
          }))
        .with({ type: "ready" }, { type: "failed" }, { type: "stopped" }, () => {})
        .exhaustive(),
    heartbeat: (m) =>
      match(m)
        .with({ type: "host.status" }, (e) => {
          status.set(e.hostId, e);
          broker.publish({
            event: "host.status",
            hostId: e.hostId,
            data: {
              id: e.hostId,
              status: e.status,
              last_seen: e.lastSeen ? new Date(e.lastSeen).toISOString() : null,
            },
          });
        })
        .with({ type: "ready" }, { type: "failed" }, { type: "stopped" }, () => {})
        .exhaustive(),
  });

  const app = createApp({ store, broker, status });
  const server = Deno.serve({
    hostname: config.http.hostname,
    port: config.http.port,
    onListen: ({ hostname, port }) => {
      log.info("Hub ready", {
        http: `${hostname}:${port}`,
        grpc: `${config.grpc.hostname}:${workers.grpcPort}`,
        data: config.dataDir,
      });
    },
  }, app.fetch);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("Shutting down", { signal });
    // Open SSE responses would hold the HTTP server's shutdown forever.
    broker.closeAll();
    await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 5000))]);
    await workers.shutdown();
    await store.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
}

if (import.meta.main) {
  main().catch((err) => {
    log.error("Hub failed to start", { error: err });
    Deno.exit(1);
  });
}
