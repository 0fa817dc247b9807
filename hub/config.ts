/**
 * The hub's configuration, read once from the environment at start-up and
 * checked there, so a bad setting stops the hub with a clear message instead
 * of surfacing later.
 */
import { join, resolve } from "node:path";
import { DEFAULT_RETENTION, type Retention, type RollupTier } from "./store/tiers.ts";

/** Everything the hub process is told by its environment. */
export interface HubConfig {
  dataDir: string;
  http: { hostname: string; port: number };
  grpc: { hostname: string; port: number };
  /** `sqlite:<path>` for the embedded store, or a postgres:// URL. */
  databaseUrl: string;
  /** Extra DNS names or IPs put into the gRPC server certificate. */
  tlsNames: string[];
  /** Days each tier of metric history is kept (null: forever). */
  retention: Retention;
  /** Days a host's logged package changes are kept (null: forever). */
  packageChangesDays: number | null;
  /** Days each check round is kept (uptime and response times beyond read daily tallies). */
  checkResultsDays: number | null;
  /**
   * Days resolved alerts, sent notifications, ended silences and ended
   * incidents are kept (null: forever).
   */
  alertsDays: number | null;
  /** Connections per process to PostgreSQL. */
  dbPool: number;
  /** Seconds without a heartbeat before a host is offline. */
  offlineAfterS: number;
  /** Seconds between flushes of host status to the database. */
  statusSyncS: number;
  /** Seconds between runs of the rollup job. */
  rollupEveryS: number;
  /** The address people reach the dashboard at, for links in notifications (null: no links). */
  publicUrl: string | null;
  /** A URL the hub calls every minute so something outside notices it died (null: none). */
  deadmanUrl: string | null;
  /** Log lines are kept this many days, and the oldest days dropped past this many bytes. */
  logRetention: { days: number; maxBytes: number };
}

/** Parses `host:port` (IPv6 in brackets); throws a RangeError naming `name`. */
export function parseAddr(name: string, value: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new RangeError(`Invalid ${name}: expected HOST:PORT, got "${value}"`);
  }
  return { hostname: m[1] ?? (m[2] || "0.0.0.0"), port };
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new RangeError(`Invalid ${name}: expected a positive number, got "${value}"`);
  }
  return n;
}

/** Days something is kept: a positive number, or `forever`; a rollup tier's name gives its default. */
function days(
  name: string,
  value: string | undefined,
  tier: RollupTier["name"] | number,
): number | null {
  if (value?.trim().toLowerCase() === "forever") return null;
  if (value === undefined || value === "") {
    return typeof tier === "number" ? tier : DEFAULT_RETENTION[tier];
  }
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new RangeError(`Invalid ${name}: expected a number of days or "forever", got "${value}"`);
  }
  return n;
}

/** An http(s) URL setting; an error never repeats it (a check URL is a secret of sorts). */
function httpUrl(name: string, value: string | undefined): string | null {
  if (!value?.trim()) return null;
  let url: URL | null = null;
  try {
    url = new URL(value.trim());
  } catch { /* refused below */ }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new RangeError(`Invalid ${name}: expected an http(s):// URL`);
  }
  return url.href;
}

/** Reads the hub configuration from `env`; throws on a value it cannot use. */
export function loadHubConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): HubConfig {
  const dataDir = resolve(env.SIGHTLINE_DATA_DIR || "./data");
  const databaseUrl = env.DATABASE_URL || `sqlite:${join(dataDir, "sightline.db")}`;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new RangeError(`Invalid DATABASE_URL: expected postgres://… (or unset for SQLite)`);
  }
  return {
    dataDir,
    http: parseAddr("SIGHTLINE_HTTP_ADDR", env.SIGHTLINE_HTTP_ADDR || "0.0.0.0:8080"),
    grpc: parseAddr("SIGHTLINE_GRPC_ADDR", env.SIGHTLINE_GRPC_ADDR || "0.0.0.0:50051"),
    databaseUrl,
    tlsNames: (env.SIGHTLINE_TLS_NAMES ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    retention: {
      raw: positive("SIGHTLINE_RETENTION_RAW_DAYS", env.SIGHTLINE_RETENTION_RAW_DAYS, 7),
      "1m": days("SIGHTLINE_RETENTION_1M_DAYS", env.SIGHTLINE_RETENTION_1M_DAYS, "1m"),
      "10m": days("SIGHTLINE_RETENTION_10M_DAYS", env.SIGHTLINE_RETENTION_10M_DAYS, "10m"),
      "1h": days("SIGHTLINE_RETENTION_1H_DAYS", env.SIGHTLINE_RETENTION_1H_DAYS, "1h"),
      "1d": days("SIGHTLINE_RETENTION_1D_DAYS", env.SIGHTLINE_RETENTION_1D_DAYS, "1d"),
    },
    packageChangesDays: days(
      "SIGHTLINE_RETENTION_PACKAGE_CHANGES_DAYS",
      env.SIGHTLINE_RETENTION_PACKAGE_CHANGES_DAYS,
      400,
    ),
    checkResultsDays: days(
      "SIGHTLINE_RETENTION_CHECK_RESULTS_DAYS",
      env.SIGHTLINE_RETENTION_CHECK_RESULTS_DAYS,
      30,
    ),
    alertsDays: days("SIGHTLINE_RETENTION_ALERTS_DAYS", env.SIGHTLINE_RETENTION_ALERTS_DAYS, 400),
    dbPool: positive("SIGHTLINE_DB_POOL", env.SIGHTLINE_DB_POOL, 10),
    offlineAfterS: positive("SIGHTLINE_OFFLINE_AFTER", env.SIGHTLINE_OFFLINE_AFTER, 15),
    statusSyncS: positive("SIGHTLINE_STATUS_SYNC", env.SIGHTLINE_STATUS_SYNC, 300),
    rollupEveryS: positive("SIGHTLINE_ROLLUP_EVERY", env.SIGHTLINE_ROLLUP_EVERY, 5),
    publicUrl: httpUrl("SIGHTLINE_PUBLIC_URL", env.SIGHTLINE_PUBLIC_URL)?.replace(/\/$/, "") ??
      null,
    deadmanUrl: httpUrl("SIGHTLINE_DEADMAN_URL", env.SIGHTLINE_DEADMAN_URL),
    logRetention: {
      days: positive("SIGHTLINE_LOG_RETENTION_DAYS", env.SIGHTLINE_LOG_RETENTION_DAYS, 14),
      maxBytes: positive("SIGHTLINE_LOG_RETENTION_MB", env.SIGHTLINE_LOG_RETENTION_MB, 10240) *
        1024 * 1024,
    },
  };
}
