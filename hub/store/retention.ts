/**
 * The retention job: every few minutes, drops what each tier of metric
 * history keeps no longer (raw samples after days, 1 min rollups after a
 * month…), in slices so it never holds the database for long, then gives the
 * freed space back where the store needs telling (SQLite).
 */
import type { Logger } from "../../lib/log.ts";
import type { Store } from "./store.ts";
import { retainedSince, type Retention, rollupHorizon, ROLLUPS } from "./tiers.ts";
import { ROLLUP_LIMIT } from "./rollup_sql.ts";

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

/**
 * Runs the rollup job until it has no batch left to take, in short runs with
 * a pause between them; returns the batches taken.
 */
export async function rollUpPending(
  store: Store,
  retention: Retention,
  now = Date.now(),
): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await store.rollUp({
      now,
      horizon: rollupHorizon(retention, now),
      limit: ROLLUP_LIMIT,
    });
    total += r.batches;
    if (r.batches < ROLLUP_LIMIT && r.buckets < ROLLUP_LIMIT) return total;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
}

/**
 * Rolls up every stored batch and every dirty bucket now, due or not: what
 * the worker gets to over time, at once (tests, benches). Batches older than
 * `horizon` are added to the tiers, newer ones recomputed (0: all recomputed).
 */
export async function rollUpAll(store: Store, horizon = 0, now = Date.now()): Promise<void> {
  for (;;) {
    const r = await store.rollUp({ now, horizon, force: true, limit: ROLLUP_LIMIT });
    if (r.batches < ROLLUP_LIMIT && r.buckets < ROLLUP_LIMIT) return;
  }
}

/** One pass over every tier; returns what it removed, by tier. */
export async function runRetention(
  store: Store,
  retention: Retention,
  now = Date.now(),
): Promise<Record<string, { rows: number; partitions: number }>> {
  const out: Record<string, { rows: number; partitions: number }> = {};
  // Batches not rolled up yet go into the tiers before their samples can go.
  await rollUpPending(store, retention, now);
  if (retention.raw !== null) {
    const before = retainedSince(retention, "raw", now);
    const total = { rows: 0, partitions: 0 };
    for (let i = 0; i < MAX_SLICES; i++) {
      const r = await store.pruneRaw(before, SLICE);
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
      const r = await store.pruneRollup(tier.name, before, SLICE);
      total.rows += r.rows;
      total.partitions += r.partitions;
      if (r.rows < SLICE) break;
    }
    out[tier.name] = total;
  }
  await store.reclaimSpace(RECLAIM_PAGES);
  return out;
}

/** Starts the job; returns a function that stops it (once a run under way has ended). */
export function startRetention(
  store: Store,
  retention: Retention,
  log: Logger,
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const run = () => {
    running ??= (async () => {
      try {
        const removed = await runRetention(store, retention);
        for (const [tier, r] of Object.entries(removed)) {
          if (r.rows || r.partitions) {
            log.info("Dropped metric history past retention", {
              tier,
              days: retention[tier as keyof Retention],
              ...r,
            });
          }
        }
      } catch (err) {
        log.warn("Retention run failed; trying again later", { error: err });
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
