/**
 * The agent's configuration, read once from flags and the environment. A bad
 * value logs a warning and falls back to the default: an agent that cannot
 * parse a setting should still monitor its host.
 */
import { join } from "node:path";
import type { Logger } from "../lib/log.ts";
import { DEFAULT_ACTIONS_FILE, DEFAULT_KEYS_FILE } from "./actions/file.ts";

/** Everything `agent run` needs to know. */
export interface AgentConfig {
  dataDir: string;
  /** Seconds between metrics batches. */
  intervalS: number;
  heartbeatS: number;
  /** The filesystem root, and where proc and sys are mounted (a container may see the host's at /host). */
  root: string;
  procRoot: string;
  sysRoot: string;
  walMaxBytes: number;
  /** Longest wait between reconnect attempts, in seconds. */
  reconnectMaxS: number;
  /** The host's action file and pinned operator keys (issue 20; agent/actions/file.ts). */
  actionsFile: string;
  operatorKeysFile: string;
  /** Operator keys pinned in the environment, `ed25519:…`, comma or space separated. */
  operatorKeys: string;
  /** Seconds from start to the first package inventory (or, after a restart, delta). */
  packagesDelayS: number;
  /** SIGHTLINE_AGENT_LOG_ALLOW: colon-separated globs of the files the hub may have read. */
  logAllow: string;
  /** SIGHTLINE_AGENT_JOURNAL=off keeps the journal from being read. */
  journal: boolean;
  /** SIGHTLINE_AGENT_LOG_RATE: log lines per second past which lines are dropped and counted. */
  logRateLinesPerS: number;
}

function defaultDataDir(env: Record<string, string | undefined>): string {
  if (Deno.build.os !== "windows" && Deno.uid?.() === 0) return "/var/lib/sightline-agent";
  const base = env.XDG_DATA_HOME || join(env.HOME || ".", ".local", "share");
  return join(base, "sightline-agent");
}

function number(
  log: Logger,
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (Number.isFinite(n) && n >= min && n <= max) return n;
  log.warn(`Ignoring ${name}: expected a number from ${min} to ${max}`, {
    value: raw,
    using: fallback,
  });
  return fallback;
}

/** Builds the configuration from `flags` (which win) and `env`. */
export function loadAgentConfig(
  flags: { data?: string; interval?: string },
  env: Record<string, string | undefined>,
  log: Logger,
): AgentConfig {
  return {
    dataDir: flags.data || env.SIGHTLINE_AGENT_DATA_DIR || defaultDataDir(env),
    intervalS: number(log, "interval", flags.interval ?? env.SIGHTLINE_AGENT_INTERVAL, 30, 1, 3600),
    heartbeatS: number(log, "SIGHTLINE_AGENT_HEARTBEAT", env.SIGHTLINE_AGENT_HEARTBEAT, 5, 1, 60),
    root: env.SIGHTLINE_ROOT || "/",
    procRoot: env.SIGHTLINE_PROC_ROOT || "/proc",
    sysRoot: env.SIGHTLINE_SYS_ROOT || "/sys",
    walMaxBytes:
      number(log, "SIGHTLINE_AGENT_WAL_MAX_MB", env.SIGHTLINE_AGENT_WAL_MAX_MB, 64, 1, 65536) *
      1024 * 1024,
    reconnectMaxS: number(
      log,
      "SIGHTLINE_AGENT_RECONNECT_MAX",
      env.SIGHTLINE_AGENT_RECONNECT_MAX,
      30,
      1,
      600,
    ),
    actionsFile: env.SIGHTLINE_AGENT_ACTIONS_FILE || DEFAULT_ACTIONS_FILE,
    operatorKeysFile: env.SIGHTLINE_AGENT_OPERATOR_KEY_FILE || DEFAULT_KEYS_FILE,
    operatorKeys: env.SIGHTLINE_AGENT_OPERATOR_KEY ?? "",
    packagesDelayS: number(
      log,
      "SIGHTLINE_AGENT_PACKAGES_DELAY",
      env.SIGHTLINE_AGENT_PACKAGES_DELAY,
      60,
      0,
      86400,
    ),
    logAllow: env.SIGHTLINE_AGENT_LOG_ALLOW ?? "",
    journal: env.SIGHTLINE_AGENT_JOURNAL !== "off",
    logRateLinesPerS: number(
      log,
      "SIGHTLINE_AGENT_LOG_RATE",
      env.SIGHTLINE_AGENT_LOG_RATE,
      5000,
      1,
      1_000_000,
    ),
  };
}
