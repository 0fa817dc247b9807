/**
 * The retention job: every few minutes, drops what each tier of metric
 * history keeps no longer (raw samples after days, 1 min rollups after a
 * month…), in slices so it never holds the database for long, then gives the
 * freed space back where the store needs telling (SQLite).
 */
import { LeaseLostError } from "./leases/types.ts";
import type { Logger } from "../../lib/log.ts";
import type { Store } from "./store.ts";
import { retainedSince, type Retention, rollupHorizon, ROLLUPS } from "./tiers.ts";
import { ROLLUP_LIMIT, type RollupRun } from "./history/rollup_sql.ts";
import { isDatabaseUnavailable } from "./errors.ts";

const EVERY_MS = 10 * 60_000;
const SLICE = 50_000;
/** Slices per tier and run at most; the next run carries on. */
const MAX_SLICES = 20;
/** Pages (4 KiB) reclaimed per run at most: 400 MiB. */
const RECLAIM_PAGES = 100_000;

/**
 * Between two rollup runs, time for a writer that waited on SQLite's lock to
 * get it: longer than the longest sleep (100 ms) of SQLite's busy handler, so
 * a waiting writer wakes inside the gap instead of sleeping through it. With
 * 30 ms, ingest at 14,000 agents missed gaps and batch events waited (bench
 * fleet p99 801 ms from a cold start; 121 ms with 100).
 */
const PAUSE_MS = 100;

/** What a rollup run set aside so that the others could go on. */
export interface RollupSkip {
  hostId: string;
  /** Series whose impossible values were dropped (`metric` or `metric{label}`). */
  series: string[];
  /** Batches left out of the rollups when dropping those was not enough. */
  setAside: number;
  error: string;
}
export type RollupReport = (skip: RollupSkip) => void;

/**
 * The rollup lease a job runs under (a LeaseKeeper): its runs write only
 * while `holder` has it, and the job stops between runs once `signal` says
 * it was lost.
 */
export interface RollupLease {
  readonly holder: string;
  readonly signal: AbortSignal;
}

/** Reports each host the rollups had to leave data out for, in the hub's log. */
export function logSkips(log: Logger): RollupReport {
  return (r) =>
    log.error(
      r.setAside
        ? "Cannot roll up a host's data; left it out of the rollups so the others go on"
        : "Dropped a host's stored values no metric can have, so its rollups go on",
      {
        host: r.hostId,
        series: r.series.join(",") || undefined,
        set_aside_batches: r.setAside || undefined,
        error: r.error,
      },
    );
}

/**
 * A data error: the run's SQL met a value it cannot fold (a sum past what a
 * double holds is NULL, and NOT NULL refuses it). Not a lock or a lost
 * connection: those are retried as they are.
 */
function isDataError(err: unknown): boolean {
  if (isDatabaseUnavailable(err)) return false;
  const e = err as { code?: unknown; message?: unknown } | null;
  // PostgreSQL: data exceptions (22…) and integrity violations (23…).
  if (typeof e?.code === "string" && /^2[23][0-9A-Z]{3}$/.test(e.code)) return true;
  return typeof e?.message === "string" &&
    /constraint failed|out of range|overflow/i.test(e.message);
}

/**
 * One rollup run that one host's bad data cannot stop for the others: when
 * the run fails on data, each waiting host runs alone; a host that fails
 * loses its impossible values (stored before ingest checked ranges) and runs
 * again, and if it still fails its waiting work is set aside. Each is
 * reported with its series.
 */
async function isolatedRun(
  store: Store,
  o: RollupRun,
  report: RollupReport,
): Promise<{ batches: number; buckets: number }> {
  try {
    return await store.history.rollUp(o);
  } catch (err) {
    if (!isDataError(err)) throw err;
  }
  let batches = 0;
  let buckets = 0;
  for (const hostId of await store.history.rollupPendingHosts()) {
    let series: string[] = [];
    for (let attempt = 0;; attempt++) {
      try {
        // One host's backlog may be long: it runs until it is done.
        for (;;) {
          const r = await store.history.rollUp({ ...o, hostId });
          batches += r.batches;
          buckets = Math.max(buckets, r.buckets);
          if (r.batches < (o.limit ?? ROLLUP_LIMIT) && r.buckets < (o.limit ?? ROLLUP_LIMIT)) break;
        }
        if (attempt > 0) report({ hostId, series, setAside: 0, error: "impossible values" });
        break;
      } catch (err) {
        if (!isDataError(err)) throw err;
        if (attempt === 0) {
          series = await store.history.dropImpossible(hostId, o.now);
          continue;
        }
        const setAside = await store.history.setAsideRollup(hostId);
        report({ hostId, series, setAside, error: (err as Error).message.slice(0, 200) });
        break;
      }
    }
  }
  return { batches, buckets };
}

/**
 * Runs the rollup job until it has no batch left to take (or its lease is
 * lost), in short runs with a pause between them; returns the batches taken.
 */
export async function rollUpPending(
  store: Store,
  retention: Retention,
  now = Date.now(),
  report: RollupReport = () => {},
  lease?: RollupLease,
): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await isolatedRun(store, {
      now,
      horizon: rollupHorizon(retention, now),
      limit: ROLLUP_LIMIT,
      holder: lease?.holder,
    }, report);
    total += r.batches;
    if (r.batches < ROLLUP_LIMIT && r.buckets < ROLLUP_LIMIT) return total;
    if (lease?.signal.aborted) return total;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
}

/**
 * Rolls up every stored batch and every dirty bucket now, due or not: what
 * the worker gets to over time, at once (tests, benches). Batches older than
 * `horizon` are added to the tiers, newer ones recomputed (0: all recomputed).
 */
export async function rollUpAll(
  store: Store,
  horizon = 0,
  now = Date.now(),
  report: RollupReport = () => {},
): Promise<void> {
  for (;;) {
    const r = await isolatedRun(store, { now, horizon, force: true, limit: ROLLUP_LIMIT }, report);
    if (r.batches < ROLLUP_LIMIT && r.buckets < ROLLUP_LIMIT) return;
  }
}

/** One pass over every tier; returns what it removed, by tier. */
/** What is kept for a time of its own, beside metric history (null: forever). */
export interface OtherRetention {
  /** Days a host's logged package changes are kept. */
  packageChangesDays?: number | null;
  /** Log lines: kept this many days, and at most this many bytes in all. */
  logs?: { days: number; maxBytes: number };
  /** Days each check round is kept; their daily tallies (check_days) stay. */
  checkResultsDays?: number | null;
  /**
   * Days resolved alerts, finished notifications (with their attempts), ended
   * silences and checks' ended incidents are kept; open alerts, queued
   * notifications and open incidents stay.
   */
  alertsDays?: number | null;
}

export async function runRetention(
  store: Store,
  retention: Retention,
  now = Date.now(),
  report: RollupReport = () => {},
  lease?: RollupLease,
  other: OtherRetention = {},
): Promise<Record<string, { rows: number; partitions: number }>> {
  const out: Record<string, { rows: number; partitions: number }> = {};
  // Batches not rolled up yet go into the tiers before their samples can go.
  await rollUpPending(store, retention, now, report, lease);
  // Another hub has the job now (and will prune in its turn).
  if (lease?.signal.aborted) return out;
  if (retention.raw !== null) {
    const before = retainedSince(retention, "raw", now);
    const total = { rows: 0, partitions: 0 };
    for (let i = 0; i < MAX_SLICES; i++) {
      const r = await store.history.pruneRaw(before, SLICE);
      total.rows += r.samples + r.batches;
      total.partitions += r.partitions;
      if (r.samples < SLICE && r.batches < SLICE) break;
    }
    out.raw = total;
  }
  for (const tier of ROLLUPS) {
    if (retention[tier.name] === null) continue;
    const before = retainedSince(retention, tier.name, now);
    const total = { rows: 0, partitions: 0 };
    for (let i = 0; i < MAX_SLICES; i++) {
      const r = await store.history.pruneRollup(tier.name, before, SLICE);
      total.rows += r.rows;
      total.partitions += r.partitions;
      if (r.rows < SLICE) break;
    }
    out[tier.name] = total;
  }
  // Container events and containers long gone, kept as long as the oldest tier.
  const oldest = ROLLUPS.at(-1)!.name;
  if (retention[oldest] !== null && !lease?.signal.aborted) {
    const rows = await store.containers.prune(retainedSince(retention, oldest, now));
    out.containers = { rows, partitions: 0 };
  }
  // The inventory stays; its log of changes goes past its own retention, in slices.
  if (other.packageChangesDays != null && !lease?.signal.aborted) {
    const before = now - other.packageChangesDays * 86_400_000;
    let rows = 0;
    for (let i = 0; i < MAX_SLICES; i++) {
      const n = await store.packages.pruneChanges(before, SLICE);
      rows += n;
      if (n < SLICE) break;
    }
    out.package_changes = { rows, partitions: 0 };
  }
  if (other.checkResultsDays != null && !lease?.signal.aborted) {
    const before = now - other.checkResultsDays * 86_400_000;
    let rows = 0;
    for (let i = 0; i < MAX_SLICES; i++) {
      const n = await store.probes.pruneRounds(before, SLICE);
      rows += n;
      if (n < SLICE) break;
    }
    out.check_results = { rows, partitions: 0 };
  }
  if (other.alertsDays != null && !lease?.signal.aborted) {
    const before = now - other.alertsDays * 86_400_000;
    let rows = 0;
    for (let i = 0; i < MAX_SLICES; i++) {
      const n = await store.notifications.prune(before, SLICE);
      const a = await store.alerts.pruneHistory(before, SLICE);
      const incidents = await store.probes.pruneIncidents(before, SLICE);
      rows += n + a.alerts + a.silences + incidents;
      if (n < SLICE && a.alerts < SLICE && a.silences < SLICE && incidents < SLICE) break;
    }
    out.alerts = { rows, partitions: 0 };
  }
  await store.history.reclaimSpace(RECLAIM_PAGES);
  return out;
}

/**
 * Starts the job, which runs while this hub holds `lease`; returns a
 * function that stops it (once a run under way has ended).
 */
export function startRetention(
  store: Store,
  retention: Retention,
  log: Logger,
  lease: RollupLease & { readonly held: boolean },
  other: OtherRetention = {},
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const run = () => {
    if (!lease.held) return;
    running ??= (async () => {
      try {
        const removed = await runRetention(
          store,
          retention,
          Date.now(),
          logSkips(log),
          lease,
          other,
        );
        for (const [tier, r] of Object.entries(removed)) {
          if (!r.rows && !r.partitions) continue;
          if (tier === "package_changes") {
            log.info("Dropped package changes past retention", {
              days: other.packageChangesDays,
              rows: r.rows,
            });
          } else if (tier === "check_results") {
            log.info("Dropped check rounds past retention", {
              days: other.checkResultsDays,
              rows: r.rows,
            });
          } else if (tier === "alerts") {
            log.info(
              "Dropped resolved alerts, sent notifications, ended silences and incidents past retention",
              {
                days: other.alertsDays,
                rows: r.rows,
              },
            );
          } else {
            log.info("Dropped metric history past retention", {
              tier,
              days: retention[tier as keyof Retention],
              ...r,
            });
          }
        }
        // Log lines by age and size; a second hub pruning the same days deletes nothing more.
        const logs = other.logs;
        if (logs && !lease.signal.aborted) {
          const r = await store.logs.prune({
            before: Date.now() - logs.days * 86_400_000,
            maxBytes: logs.maxBytes,
          });
          if (r.days) log.info("Dropped log lines past retention", { days: r.days });
        }
      } catch (err) {
        // Another hub took the lease mid-run: this one wrote nothing, as it should.
        if (err instanceof LeaseLostError) log.info("Lost the rollup lease during retention");
        else log.warn("Retention run failed; trying again later", { error: err });
      } finally {
        running = null;
      }
    })();
  };
  const first = setTimeout(run, 60_000);
  const timer = setInterval(run, EVERY_MS);
  // Stopping lets a run under way finish, so the store is not closed under it.
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
