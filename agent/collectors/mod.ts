/**
 * The collectors, all of them, and the cycle that runs them: every collector
 * is timed, and one that fails is recorded in the snapshot's errors without
 * stopping the others. Adding a collector is a file that calls
 * `defineCollector` (see registry.ts) and an import line below.
 */
import { logger } from "../../lib/log.ts";
import type { Environment } from "./environment.ts";
import { registeredCollectors } from "./registry.ts";
import type { CollectContext, Collector, Snapshot } from "./types.ts";

// Every collector, one file each; a file registers its collector when imported.
// The order here is the order they are listed in.
import "./cpu.ts";
import "./memory.ts";
import "./load.ts";
import "./uptime.ts";
import "./filesystem.ts";
import "./disk.ts";
import "./net.ts";
import "./temperature.ts";
import "./darwin/cpu.ts";
import "./darwin/system.ts";
import "./darwin/filesystem.ts";
import "./darwin/net.ts";

const log = logger("agent.collect");

/** The collectors that apply to this OS and environment, each with its own state. */
export function collectorsFor(os: string, env: Environment): Collector[] {
  return registeredCollectors(os, env);
}

/** Runs one collection cycle. */
export async function collect(
  collectors: Collector[],
  roots: { procRoot: string; sysRoot: string },
  intervalS: number,
  now = Date.now(),
): Promise<Snapshot> {
  const out: Snapshot = {
    unixMs: now,
    intervalS,
    filesystems: [],
    disks: [],
    net: [],
    temperatures: [],
    errors: [],
  };
  const ctx: CollectContext = { ...roots, intervalS };
  await Promise.all(collectors.map(async (c) => {
    const started = performance.now();
    try {
      await c.collect(ctx, out);
    } catch (err) {
      out.errors.push({ collector: c.name, message: (err as Error).message.slice(0, 500) });
    }
    const ms = performance.now() - started;
    if (ms > 1000) log.warn("Slow collector", { collector: c.name, ms: Math.round(ms) });
  }));
  return out;
}
