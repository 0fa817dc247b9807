/**
 * The hub: reads its configuration, migrates the store, starts the heartbeat
 * and history (rollups, retention) workers and the ingest process, then
 * serves the dashboard and the REST/SSE API.
 */
import { roundSamples } from "./lib/probes/metrics.ts";
import { match } from "ts-pattern";
import { logger } from "./lib/log.ts";
import { loadHubConfig } from "./hub/config.ts";
import { prepareDataDir } from "./hub/data_dir.ts";
import { openStore } from "./hub/store/open.ts";
import { liveParts } from "./hub/live/events.ts";
import { Cluster, roundMessages } from "./hub/live/cluster.ts";
import { PostgresStore } from "./hub/store/postgres/store.ts";
import { createHubApp } from "./routes/mod.tsx";
import { startHeartbeat } from "./hub/heartbeat/spawn.ts";
import { type Ingest, startIngest } from "./hub/ingest/supervisor.ts";
import { startWorker } from "./hub/worker.ts";
import type { FromHistory, ToHistory, ToIngest } from "./hub/messages.ts";
import { LoginGuard } from "./hub/auth/rate_limit.ts";
import { newSetupToken } from "./hub/auth/setup_token.ts";
import { AgentRequests } from "./hub/control/requests.ts";
import { AlertEngine } from "./hub/alerts/engine.ts";
import { Delivery } from "./hub/notify/delivery.ts";
import { leaseIdentity } from "./hub/store/leases/keeper.ts";
import { Sealer } from "./hub/notify/sealed.ts";
import { blockPrivateDestinations, OutboundPolicy } from "./hub/notify/outbound.ts";
import { loadOrCreateSecret } from "./hub/auth/secrets.ts";
import { startDeadman } from "./hub/notify/deadman.ts";
import { ProbeEngine } from "./hub/probes/engine.ts";
import { ProbeAssigner } from "./hub/probes/assigner.ts";

const log = logger("hub");

async function main() {
  const config = loadHubConfig();
  await prepareDataDir(config.dataDir, log);
  // One name for this process in the lease table, for the sender and the rollups alike.
  const lease = await leaseIdentity(config.databaseUrl, config.dataDir);
  const store = openStore(config.databaseUrl, { pool: config.dbPool });
  const applied = await store.migrate();
  if (applied.length) log.info("Applied migrations", { files: applied.join(",") });

  const { broker, status, live } = liveParts();
  // The ingest process once it runs; a change announced before then reaches
  // its agents anyway, when they connect.
  const ingestUp: { current?: Ingest } = {};
  const toIngest = (cmd: ToIngest) => ingestUp.current?.send(cmd);
  // Requests to agents go through the ingest process, which holds their streams.
  const requests = new AgentRequests(toIngest);
  // Alerts: judged here as data lands; notifications sent by the hub holding the notify lease.
  const delivery: { current?: Delivery } = {};
  const alerts = new AlertEngine({
    store,
    log: logger("alerts"),
    publish: (event, alert) => live.alert(event, alert),
    queued: () => delivery.current?.wake(),
    // Asked of the agent over its stream when a CPU or memory alert fires.
    processes: async (hostId) => {
      const answer = await requests.ask(hostId, { case: "topProcesses" });
      if (answer.ok && answer.case === "topProcesses") return { ...answer.processes };
      return { error: answer.ok ? "unexpected answer" : `${answer.error}: ${answer.message}` };
    },
  });
  // Checks: judged here from the rounds ingest stores; assigned to agents through desired state.
  const probes = new ProbeEngine({
    store,
    log: logger("probes"),
    changed: (c) => {
      logger("probes").info("Check status changed", {
        check: c.check.id,
        from: c.from,
        to: c.to,
        cause: c.cause,
      });
      alerts.checkStatus({
        checkId: c.check.id,
        down: c.to === "down",
        at: c.at,
        failingHosts: c.failingHosts,
      });
      live.check({
        id: c.check.id,
        name: c.check.name,
        status: c.to,
        since: new Date(c.at).toISOString(),
        cause: c.to === "down" ? c.cause : "",
      });
    },
  });
  const assigner = new ProbeAssigner({
    store,
    online: (h) => status.apply(h).status === "online",
    desiredChanged: (hostId) => {
      toIngest({ type: "desired.changed", hostId });
      live.cluster?.publish({ type: "host.desired", hostId });
    },
    assigned: async (sets) => {
      await probes.assigned(sets);
      alerts.checksAssigned(sets, Date.now());
    },
    log: logger("probes"),
  });
  // Hosts coming, going, retagged or changing status move "any N" and tag checks.
  live.observers.push((e) => {
    // At start, a host whose status has not changed since keeps its "any N" checks a while.
    if (e.event === "host.status") assigner.statusHeard(e.hostId);
    if (
      e.event === "host.status" || e.event === "host.added" || e.event === "host.changed" ||
      e.event === "host.removed"
    ) assigner.soon();
  });
  live.observers.push((e) =>
    match(e)
      .with({ event: "host.status" }, ({ hostId, data }) =>
        alerts.status(hostId, data.status, data.last_seen ? Date.parse(data.last_seen) : null))
      .with({ event: "host.added" }, ({ data }) =>
        alerts.hostChanged(data))
      .with({ event: "host.changed" }, ({ data }) =>
        alerts.hostChanged(data))
      .with({ event: "host.removed" }, ({ hostId }) => alerts.hostRemoved(hostId))
      .otherwise(() => {})
  );
  // Checks changed, here or on another hub: judged afresh and assigned again. The
  // change is stored by then: a failure to act on it now is logged, and the next
  // pass (a host's status, a restart) catches up.
  const applyChecks = async () => {
    try {
      await probes.reload();
      await assigner.sync();
    } catch (err) {
      logger("probes").error("Cannot apply a change of checks", { error: err });
    }
  };
  const alertsChanged = (hostId?: string | null) => {
    if (hostId !== undefined) alerts.reloadHost(hostId);
    else void alerts.reload();
    live.cluster?.publish({ type: "alerts.changed", hostId });
  };
  // Hubs sharing a PostgreSQL database share their live events.
  if (store instanceof PostgresStore) {
    live.cluster = new Cluster(store.db.sql, logger("cluster"), {
      message: (m) => {
        // A change made on another hub, for an agent that may be connected here.
        if (m.type === "host.desired") {
          return toIngest({ type: "desired.changed", hostId: m.hostId });
        }
        if (m.type === "alerts.changed") {
          if (m.hostId !== undefined) return void alerts.reloadHost(m.hostId);
          return void alerts.reload();
        }
        if (m.type === "checks.changed") return void applyChecks();
        // Another hub stored these rounds: judged here too (recordStatus makes a change once).
        if (m.type === "checks.rounds") {
          if (!Array.isArray(m.rounds)) return;
          return void probes.rounds(
            m.hostId,
            m.rounds.map((r) => ({ ...r, host_id: m.hostId, ms: 0, details: {} })),
          );
        }
        // A host removed on another hub: its agent's stream here ends too.
        if (m.type === "live" && m.event.event === "host.removed") {
          toIngest({ type: "host.removed", hostId: m.event.hostId });
        }
        live.fromCluster(m);
      },
      peerGone: (hub) => live.peerGone(hub),
    });
    await live.cluster.start();
  }
  const heartbeat = await startHeartbeat(
    config,
    (m) =>
      match(m)
        .with({ type: "host.status" }, (e) => {
          alerts.localStatus(e.hostId, e.status);
          live.localStatus(e.hostId, {
            status: e.status,
            lastSeen: e.lastSeen,
            pendingBatches: e.pendingBatches,
          });
        })
        .with({ type: "ready" }, { type: "failed" }, { type: "stopped" }, () => {})
        .exhaustive(),
    // A dead heartbeat worker leaves the hub half-alive; exit so a supervisor
    // restarts it. Agents hold their batches in their WALs meanwhile.
    (message) => {
      log.error("Heartbeat worker crashed", { error: message });
      Deno.exit(1);
    },
  );

  const ingest = await startIngest(
    Deno.env.toObject(),
    config.grpc.hostname,
    (m) =>
      match(m)
        .with({ type: "host.metrics" }, (e) => {
          alerts.batch(e.hostId, e.ts, e.samples, e.failing);
          live.localMetrics({
            id: e.hostId,
            ts: new Date(e.ts).toISOString(),
            seq: e.seq,
            ...e.summary,
          });
        })
        .with({ type: "host.packages" }, (e) =>
          live.localPackages({
            id: e.hostId,
            ts: new Date(e.ts).toISOString(),
            seq: e.seq,
            full: e.full,
            changes: e.changes,
          }))
        .with({ type: "host.checks" }, (e) => {
          void probes.rounds(e.hostId, e.rounds);
          // Slow responses and certificates are per agent: judged where its rounds are stored.
          alerts.checkRounds(e.hostId, e.rounds);
          // The same rounds as the metric samples the store wrote, for threshold rules on them.
          if (e.rounds.length) {
            alerts.checkSamples(
              e.hostId,
              Math.max(...e.rounds.map((r) => r.ts)),
              roundSamples(e.rounds).map((p) => [p.metric, p.label, p.value] as const),
            );
          }
          for (const m of roundMessages(e.hostId, e.rounds)) live.cluster?.publish(m);
        })
        .with({ type: "log.lines" }, (e) => live.localLogs(e.data))
        .with({ type: "agent.connected" }, (e) => {
          alerts.dropped(e.hostId, e.info.dropped_batches);
          heartbeat.send(e);
        })
        .with({ type: "agent.heartbeat" }, (e) => {
          alerts.dropped(e.hostId, e.droppedBatches);
          heartbeat.send(e);
        })
        .with({ type: "agent.disconnected" }, (e) => heartbeat.send(e))
        .with({ type: "agent.response" }, (e) => requests.answered(e.id, e.result))
        .with({ type: "stopped" }, () => {
          requests.ingestStopped();
          heartbeat.send({ type: "ingest.restarted" });
        })
        .with({ type: "ready" }, { type: "failed" }, { type: "pong" }, () => {})
        .exhaustive(),
    log,
  );

  ingestUp.current = ingest;

  await alerts.start();
  await probes.start();
  await assigner.sync();
  // Channel secrets are sealed under a key derived from the hub secret (hub/notify/sealed.ts).
  const sealer = await Sealer.of(await loadOrCreateSecret(config.dataDir));
  const outbound = new OutboundPolicy(() => blockPrivateDestinations(store));
  const sender = delivery.current = new Delivery({
    store,
    log: logger("notify"),
    holder: lease.holder,
    predecessor: lease.predecessor,
    muted: (a, at) => alerts.muteReason(a, at) !== null,
    publicUrl: config.publicUrl,
    sealer,
    outbound,
  });
  await sender.start();
  const deadman = config.deadmanUrl ? startDeadman(config.deadmanUrl, logger("deadman")) : null;

  // Rollups and retention, off the main thread.
  const history = await startWorker<ToHistory, FromHistory>(
    new URL("./hub/history/worker.ts", import.meta.url),
    "history",
    config,
    () => {},
    (message) => {
      log.error("History worker crashed", { error: message });
      Deno.exit(1);
    },
    { lease },
  );
  const setup = await newSetupToken(store);
  const app = createHubApp({
    store,
    broker,
    status,
    live,
    retention: config.retention,
    loginGuard: new LoginGuard(),
    hostRemoved: (hostId) => ingest.send({ type: "host.removed", hostId }),
    alerts: { changed: alertsChanged, muteReason: (a) => alerts.muteReason(a) },
    probes: {
      changed: async () => {
        await applyChecks();
        live.cluster?.publish({ type: "checks.changed" });
      },
      pushed: (id) => probes.pushed(id),
      status: (id) => probes.judge(id)?.status,
    },
    sealer,
    outbound,
    publicUrl: config.publicUrl,
    agents: {
      ask: (hostId, request) => requests.ask(hostId, request),
      desiredChanged: (hostId) => {
        ingest.send({ type: "desired.changed", hostId });
        live.cluster?.publish({ type: "host.desired", hostId });
      },
    },
    // Agents dial the host name the browser used, on the gRPC port.
    agentAddress: (requestHost) => {
      const host = requestHost.replace(/:\d+$/, "");
      return `${host}:${ingest.grpcPort}`;
    },
  });
  const server = Deno.serve({
    hostname: config.http.hostname,
    port: config.http.port,
    onListen: ({ hostname, port }) => {
      log.info("Hub ready", {
        http: `${hostname}:${port}`,
        grpc: `${config.grpc.hostname}:${ingest.grpcPort}`,
        data: config.dataDir,
        store: config.databaseUrl.startsWith("sqlite:") ? "sqlite" : "postgres",
      });
      if (setup) {
        const shown = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname;
        // Printed, not logged: the link is a one-time secret for whoever started the hub.
        console.log(
          `\nNo users yet. Create the admin account at:\n  http://${shown}:${port}/setup?token=${setup}\n`,
        );
      }
    },
  }, app.fetch);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("Shutting down", { signal });
    // Open SSE responses would hold the HTTP server's shutdown forever.
    broker.closeAll();
    await live.cluster?.stop();
    await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 5000))]);
    // Ingest first: its last batches are committed and its streams' ends
    // reach the heartbeat worker before that flushes status.
    await ingest.shutdown();
    alerts.stop();
    assigner.stop();
    probes.stop();
    await alerts.settled();
    await sender.stop();
    await deadman?.stop();
    await heartbeat.shutdown();
    await history.shutdown();
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
