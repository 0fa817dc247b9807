/**
 * The history worker: keeps the rollup tiers up with what ingest stores
 * (every few seconds) and enforces retention (every few minutes), on its own
 * connection, so neither job ever holds up the dashboard or the SSE streams.
 */
/// <reference lib="deno.worker" />
import { match } from "ts-pattern";
import { logger } from "../../lib/log.ts";
import { openStore } from "../store/open.ts";
import type { Store } from "../store/store.ts";
import type { FromHistory, ToHistory } from "../messages.ts";
import { logSkips, rollUpPending, startRetention } from "../store/retention.ts";

const log = logger("history");
const post = (m: FromHistory) => self.postMessage(m);
/** A run longer than this is worth a line in the log: ingest may be waiting on it. */
const SLOW_RUN_MS = 1_000;

let store: Store | null = null;
let timer: ReturnType<typeof setInterval> | undefined;
let stopRetention = () => Promise.resolve();
let running: Promise<void> | null = null;
let failing = false;

self.onmessage = (e: MessageEvent<ToHistory>) => {
  match(e.data)
    .with({ type: "init" }, ({ config }) => {
      try {
        const s = store = openStore(config.databaseUrl, { pool: 2 });
        const tick = () => {
          const started = performance.now();
          running ??= rollUpPending(s, config.retention, Date.now(), logSkips(log)).then(
            (batches) => {
              const ms = Math.round(performance.now() - started);
              if (failing) log.info("Rolling up again");
              failing = false;
              const fields = { batches, ms };
              if (ms > SLOW_RUN_MS) log.warn("Rollup run was slow", fields);
              else if (batches) log.debug("Rolled up", fields);
            },
            (err) => {
              // Once per outage, not every few seconds.
              if (!failing) log.warn("Cannot roll up; trying again", { error: err });
              failing = true;
            },
          ).finally(() => running = null);
        };
        timer = setInterval(tick, config.rollupEveryS * 1000);
        stopRetention = startRetention(s, config.retention, log);
        post({ type: "ready" });
      } catch (err) {
        post({ type: "failed", message: (err as Error).message });
      }
    })
    .with({ type: "shutdown" }, async () => {
      clearInterval(timer);
      await stopRetention();
      await running;
      await store?.close();
      post({ type: "stopped" });
    })
    .exhaustive();
};
