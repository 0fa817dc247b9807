/**
 * The collector registry and the cycle that runs them: every collector is
 * timed, and one that fails is recorded in the snapshot's errors without
 * stopping the others.
 */
import { logger } from "../../lib/log.ts";
import { cpuCollector } from "./cpu.ts";
import { memoryCollector } from "./memory.ts";
import { loadCollector, uptimeCollector } from "./load.ts";
import { filesystemCollector } from "./filesystem.ts";
import { diskCollector } from "./disk.ts";
import { netCollector } from "./net.ts";
import { temperatureCollector } from "./temperature.ts";
import { darwinCollectors } from "./darwin/collectors.ts";
import type { Environment } from "./environment.ts";
import type { CollectContext, Collector, Snapshot } from "./types.ts";

const log = logger("agent.collect");

/** The collectors that apply to this OS and environment. */
export function collectorsFor(os: string, env: Environment): Collector[] {
  if (os === "darwin") return darwinCollectors();
  const all = [
    cpuCollector(),
    memoryCollector(),
    loadCollector(),
    uptimeCollector(),
    filesystemCollector(),
    diskCollector(),
    netCollector(),
  ];
  // A container sees either no sensors or the host's: neither is its own.
  if (env !== "container") all.push(temperatureCollector());
  return all;
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
