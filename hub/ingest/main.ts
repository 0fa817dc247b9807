/**
 * The ingest process: owns the agent port (gRPC) and the write path. It runs
 * apart from the hub's main process so that the write path's CPU and a fault
 * in it cannot stall the dashboard; the main process restarts it if it ever
 * dies, and agents hold their batches in their WALs meanwhile.
 * It speaks NDJSON: events out on stdout, commands in on stdin; logs go to
 * stderr.
 */
import { match } from "ts-pattern";
import { logger } from "../../lib/log.ts";
import { loadHubConfig } from "../config.ts";
import { loadOrCreateHubTls } from "../auth/ca.ts";
import { loadOrCreateSecret } from "../auth/secrets.ts";
import { openStore } from "../store/open.ts";
import type { FromIngest, ToIngest } from "../messages.ts";
import { liveLines } from "./logs.ts";
import { IngestService } from "./service.ts";
import { startGrpcServer } from "./server.ts";
import { readLines } from "../../lib/ndjson.ts";

const log = logger("ingest");
const out = Deno.stdout.writable.getWriter();
const encoder = new TextEncoder();
let pending = "";
let flushing: Promise<void> | null = null;

/** Queues an event; lines written within one tick go out in one write. */
function post(m: FromIngest): void {
  pending += JSON.stringify(m) + "\n";
  flushing ??= Promise.resolve().then(async () => {
    while (pending) {
      const chunk = pending;
      pending = "";
      await out.write(encoder.encode(chunk));
    }
    flushing = null;
  });
}

async function main() {
  // The hub decides when this process ends (a shutdown command, or stdin
  // closing when the hub dies); Ctrl-C reaches the whole process group.
  Deno.addSignalListener("SIGINT", () => {});
  Deno.addSignalListener("SIGTERM", () => {});
  const config = loadHubConfig();
  const store = openStore(config.databaseUrl, { pool: config.dbPool });
  const [secret, tls] = await Promise.all([
    loadOrCreateSecret(config.dataDir),
    loadOrCreateHubTls(config.dataDir, config.tlsNames),
  ]);
  const service = new IngestService({
    store,
    secret,
    caPem: tls.caPem,
    log,
    liveness: post,
    stored: (ev) => post({ type: "host.metrics", ...ev }),
    packages: (ev) => post({ type: "host.packages", ...ev }),
    checksStored: (ev) => post({ type: "host.checks", ...ev }),
    logsStored: ({ hostId, batch }) => {
      if (batch.lines.length) post({ type: "log.lines", data: liveLines(hostId, batch) });
    },
  });
  const server = await startGrpcServer(service, tls, config.grpc, log);
  post({ type: "ready", grpcPort: server.port });

  for await (const line of readLines(Deno.stdin.readable)) {
    let cmd: ToIngest;
    try {
      cmd = JSON.parse(line);
    } catch {
      log.warn("Ignoring a command that is not JSON");
      continue;
    }
    const done = await match(cmd)
      .with({ type: "ping" }, ({ n }) => {
        post({ type: "pong", n });
        return false;
      })
      .with({ type: "host.removed" }, ({ hostId }) => {
        service.closeHost(hostId);
        store.metrics.forgetHost(hostId);
        return false;
      })
      .with({ type: "agent.request" }, ({ id, hostId, request }) => {
        service.control.request(hostId, id, request).then((result) =>
          post({ type: "agent.response", id, result })
        );
        return false;
      })
      .with({ type: "desired.changed" }, ({ hostId }) => {
        service.control.desiredChanged(hostId);
        return false;
      })
      .with({ type: "shutdown" }, async () => {
        service.closeAll();
        await server.close(3000);
        return true;
      })
      .exhaustive();
    if (done) break;
  }
  // stdin closed or shutdown asked: the parent is going away either way.
  await store.close();
  post({ type: "stopped" });
  await flushing;
  Deno.exit(0);
}

main().catch(async (err) => {
  log.error("Ingest failed", { error: err });
  post({ type: "failed", message: (err as Error).message });
  await flushing;
  Deno.exit(1);
});
