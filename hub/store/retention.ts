/**
 * The retention job: every few minutes, drops raw samples older than the
 * configured days, in slices so it never holds the database for long.
 */
import type { Logger } from "../../lib/log.ts";
import type { Store } from "./store.ts";

const EVERY_MS = 10 * 60_000;
const SLICE = 50_000;
/** Slices per run at most; the next run carries on. */
const MAX_SLICES = 20;

/** Starts the job; returns a function that stops it. */
export function startRetention(store: Store, rawDays: number, log: Logger): () => void {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const before = Date.now() - rawDays * 86_400_000;
      const total = { samples: 0, partitions: 0, batches: 0 };
      for (let i = 0; i < MAX_SLICES; i++) {
        const out = await store.pruneRaw(before, SLICE);
        total.samples += out.samples;
        total.partitions += out.partitions;
        total.batches += out.batches;
        if (out.samples < SLICE && out.batches < SLICE) break;
      }
      if (total.samples || total.partitions || total.batches) {
        log.info("Dropped raw data past retention", { days: rawDays, ...total });
      }
    } catch (err) {
      log.warn("Retention run failed; trying again later", { error: err });
    } finally {
      running = false;
    }
  };
  const first = setTimeout(run, 60_000);
  const timer = setInterval(run, EVERY_MS);
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
