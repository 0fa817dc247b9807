/**
 * The agent CLI: `register` exchanges a token for an identity, `run`
 * collects metrics every interval into the WAL and streams them to the hub,
 * `version` prints the version.
 */
import { parseArgs } from "node:util";
import { logger } from "../lib/log.ts";
import { AGENT_VERSION } from "../lib/link.ts";
import { loadAgentConfig } from "./config.ts";
import { loadIdentity, saveIdentity } from "./identity.ts";
import { type HostFacts, HubLink, register } from "./transport.ts";
import { encodeBatch } from "./wire.ts";
import { Wal } from "./wal.ts";
import { AgentControl } from "./control.ts";
import { detectEnvironment } from "./collectors/environment.ts";
import { collect, collectorsFor } from "./collectors/mod.ts";
import { join } from "node:path";

const log = logger("agent");

const USAGE = `Usage:
  deno task agent register --hub HOST:PORT --token TOKEN [--data DIR]
  deno task agent run [--data DIR] [--interval SECONDS]
  deno task agent version`;

function ips(): string[] {
  try {
    return Deno.networkInterfaces()
      .filter((i) =>
        !i.address.startsWith("127.") && i.address !== "::1" && !i.address.startsWith("fe80:")
      )
      .map((i) => i.address);
  } catch {
    return [];
  }
}

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
  const control = await AgentControl.open(id.agentId, {
    wal,
    configuredIntervalS: config.intervalS,
    collectors: collectors.map((c) => c.name),
    log: logger("agent.control"),
  });
  const facts = (): HostFacts => ({
    hostname: Deno.hostname(),
    os: Deno.build.os,
    arch: Deno.build.arch,
    kernel: Deno.osRelease(),
    environment,
    ips: ips(),
    intervalS: control.intervalS(),
  });
  const link = new HubLink(id, wal, facts, {
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

  // The first cycle only sets the baselines rates are computed from.
  let last = Date.now();
  await collect(collectors, config, 0, last);
  let timer: ReturnType<typeof setTimeout>;
  let stopping = false;
  const cycle = async () => {
    const now = Date.now();
    try {
      const snapshot = await collect(collectors, config, (now - last) / 1000, now);
      last = now;
      for (const e of snapshot.errors) {
        log.warn("Collector failed", { collector: e.collector, error: e.message });
      }
      let bytes = 0;
      const seq = await wal.append((s) => {
        const data = encodeBatch(s, snapshot);
        bytes = data.length;
        return data;
      });
      log.debug("Batch queued", { seq, bytes });
      link.notify();
    } catch (err) {
      log.error("Collection cycle failed", { error: err });
    }
    schedule();
  };
  const schedule = () => {
    if (stopping) return;
    // Aim at the next multiple of the interval so cycles do not drift.
    const ms = control.intervalS() * 1000;
    clearTimeout(timer);
    timer = setTimeout(cycle, ms - (Date.now() % ms));
  };
  schedule();
  // The hub set another interval: the next cycle follows it.
  control.onIntervalChange(schedule);

  const linkDone = link.run();
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("Stopping", { signal });
    clearTimeout(timer);
    await link.stop();
    await linkDone.catch(() => {});
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
