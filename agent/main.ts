/**
 * The agent's entry and CLI: `register` exchanges a token for an identity,
 * `run` wires the parts together (the WAL, the hub link, and the scheduler
 * with its jobs, the metrics loop first) and runs them until a signal,
 * `version` prints the version.
 */
import { parseArgs } from "node:util";
import { logger } from "../lib/log.ts";
import { AGENT_VERSION } from "../lib/link.ts";
import { loadAgentConfig } from "./config.ts";
import { loadIdentity, saveIdentity } from "./identity.ts";
import { HubLink, register } from "./transport.ts";
import { Wal } from "./wal.ts";
import { AgentControl } from "./control.ts";
import { AgentActions } from "./actions/mod.ts";
import { detectEnvironment } from "./collectors/environment.ts";
import { collectorsFor } from "./collectors/mod.ts";
import { hostFacts } from "./facts.ts";
import { Scheduler } from "./scheduler.ts";
import { metricsJob } from "./jobs/metrics.ts";
import { ContainerWatcher } from "./containers/watcher.ts";
import { PackagesJob } from "./jobs/packages.ts";
import { apt } from "./packages/updates/apt.ts";
import { apkIndex } from "./packages/updates/apk.ts";
import { dnf } from "./packages/updates/dnf.ts";
import { ChecksRunner } from "./jobs/checks.ts";
import { journalJob, logsJob } from "./logs/job.ts";
import { RateLimit } from "./logs/rate.ts";
import { LogReader } from "./logs/reader.ts";
import { AllowList } from "./logs/allow.ts";
import { LogSource_Kind } from "../proto/gen/sightline/agent/v1/agent_lean.ts";
import { join } from "node:path";

const log = logger("agent");

const USAGE = `Usage:
  deno task agent register --hub HOST:PORT --token TOKEN [--data DIR]
  deno task agent run [--data DIR] [--interval SECONDS]
  deno task agent version`;

/** How long a stop waits for jobs in progress (a metrics cycle's WAL write) to end. */
const STOP_GRACE_MS = 5000;

async function runAgent(flags: { data?: string; interval?: string }): Promise<void> {
  const config = loadAgentConfig(flags, Deno.env.toObject(), log);
  const id = await loadIdentity(config.dataDir);
  const wal = await Wal.open(join(config.dataDir, "wal.kv"), config.walMaxBytes);
  const discarded = await wal.claim(id.agentId);
  if (discarded) {
    log.warn("Discarded batches collected under a previous registration", { batches: discarded });
  }
  const environment = await detectEnvironment(config);
  const collectors = collectorsFor(Deno.build.os, environment);
  const actions = new AgentActions({
    agentId: id.agentId,
    actionsFile: config.actionsFile,
    keysFile: config.operatorKeysFile,
    envKeys: config.operatorKeys,
    engine: { env: Deno.env.toObject(), root: config.root },
    logFile: join(config.dataDir, "actions.log"),
    kv: wal.kv,
    log: logger("agent.actions"),
  });
  const control = await AgentControl.open(id.agentId, {
    wal,
    // The job is made below, once the interval in force is known; the link that asks comes later.
    packages: { resync: () => packages.resync() },
    configuredIntervalS: config.intervalS,
    collectors: collectors.map((c) => c.name),
    roots: config,
    log: logger("agent.control"),
    actions,
  });
  const link = new HubLink(id, wal, () => hostFacts(environment, control.intervalS()), {
    heartbeatMs: config.heartbeatS * 1000,
    reconnectMaxS: config.reconnectMaxS,
    log: logger("agent.link"),
    control,
  });
  log.info("Agent started", {
    host: id.hostName,
    hub: id.hub,
    interval_s: control.intervalS(),
    environment,
    collectors: collectors.map((c) => c.name).join(","),
    pending: await wal.pending(),
  });
  // A refused file is logged by list() itself, with why.
  const offered = await actions.list();
  log.info("Actions", {
    file: config.actionsFile,
    allowed: offered.actions.length,
    operator_keys: offered.operatorKeys.length,
  });

  const jobs = new Scheduler({ log: logger("agent.jobs") });
  const containers = new ContainerWatcher({
    env: Deno.env.toObject(),
    root: config.root,
    log: logger("agent.containers"),
  });
  jobs.add(containers.eventsJob());
  jobs.add(metricsJob({
    containers,
    collectors,
    roots: config,
    intervalS: control.intervalS(),
    wal,
    sender: link,
    log,
  }));
  // Its database checks follow the metrics interval, so a change shows within one interval.
  const packages = new PackagesJob({
    root: config.root,
    wal,
    agentId: id.agentId,
    sender: link,
    log: logger("agent.packages"),
    checkMs: control.intervalS() * 1000,
    initialDelayMs: config.packagesDelayS * 1000,
    updates: [apt, apkIndex, dnf],
  });
  jobs.add(packages);
  // The checks the hub assigned, from the state held before connecting, then from each push.
  const checks = new ChecksRunner({ wal, sender: link, log: logger("agent.checks") });
  checks.set(control.checks());
  jobs.add(checks.job());
  // One limit for the host's lines, files and journal together.
  const rate = new RateLimit(config.logRateLinesPerS);
  jobs.add(journalJob({
    wal,
    log: logger("agent.logs"),
    rate,
    sender: link,
    enabled: config.journal,
    sources: () =>
      control.logSources()
        .filter((s) => s.kind === LogSource_Kind.JOURNAL)
        .map((s) => ({ id: s.id, units: s.units })),
  }));
  jobs.add(logsJob(
    new LogReader({
      wal,
      sources: () =>
        control.logSources()
          .filter((s) => s.kind === LogSource_Kind.FILE)
          .map((s) => ({ id: s.id, path: s.path })),
      allow: new AllowList(config.logAllow),
      sender: link,
      log: logger("agent.logs"),
      rate,
    }),
  ));
  let stopping = false;
  control.onChecksChange((held) => {
    if (!stopping) checks.set(held);
  });
  // The hub set another interval: the metrics job follows it from its next tick.
  control.onIntervalChange((s) => {
    if (stopping) return;
    jobs.reschedule("metrics", s * 1000);
    jobs.reschedule("packages", s * 1000);
  });

  const linkDone = link.run();
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("Stopping", { signal });
    // Jobs first, so the last batch they write is in the WAL before the link's last ack wait.
    await jobs.stop(STOP_GRACE_MS);
    await link.stop();
    await linkDone.catch(() => {});
    containers.close();
    wal.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  await linkDone;
}

async function main(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      hub: { type: "string" },
      token: { type: "string" },
      data: { type: "string" },
      interval: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === "version") {
    console.log(`sightline-agent ${AGENT_VERSION} (${Deno.build.os}/${Deno.build.arch})`);
    return 0;
  }
  if (command === "register") {
    if (!values.hub || !values.token) {
      console.error(`Missing --hub or --token\n${USAGE}`);
      return 2;
    }
    const config = loadAgentConfig(values, Deno.env.toObject(), log);
    const id = await register(values.hub, values.token.trim(), {
      hostname: Deno.hostname(),
      os: Deno.build.os,
      arch: Deno.build.arch,
    });
    await saveIdentity(config.dataDir, id);
    // Batches collected under an earlier identity belong to a host that is gone.
    const wal = await Wal.open(join(config.dataDir, "wal.kv"), config.walMaxBytes);
    const discarded = await wal.claim(id.agentId).finally(() => wal.close());
    if (discarded) {
      console.log(`Discarded ${discarded} batches collected under the previous registration`);
    }
    console.log(
      `Registered as "${id.hostName}" (${id.agentId}); identity saved in ${config.dataDir}`,
    );
    return 0;
  }
  if (command === "run") {
    await runAgent(values);
    return 0;
  }
  console.error(`Unknown command: ${command}\n${USAGE}`);
  return 2;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    log.error((err as Error).message);
    Deno.exit(1);
  }
}
