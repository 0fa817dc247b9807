/**
 * The history worker: keeps the rollup tiers up with what ingest stores
 * (every few seconds) and enforces retention (every few minutes), on its own
 * connection, so neither job ever holds up the dashboard or the SSE streams.
 * Both run only while this hub holds the rollup lease: of several hubs on
 * one database, one does it; the embedded store's hub always holds it.
 */
/// <reference lib="deno.worker" />
import { match } from "ts-pattern";
import { logger } from "../../lib/log.ts";
import { openStore } from "../store/open.ts";
import type { Store } from "../store/store.ts";
import type { FromHistory, ToHistory } from "../messages.ts";
import { logSkips, rollUpPending, startRetention } from "../store/retention.ts";
import { LeaseKeeper } from "../store/leases/keeper.ts";
import { LeaseLostError } from "../store/leases/types.ts";
import { ROLLUP_LEASE } from "../store/history/types.ts";

const log = logger("history");
const post = (m: FromHistory) => self.postMessage(m);
/** A run longer than this is worth a line in the log: ingest may be waiting on it. */
const SLOW_RUN_MS = 1_000;

let store: Store | null = null;
let lease: LeaseKeeper | null = null;
let timer: ReturnType<typeof setInterval> | undefined;
let stopRetention = () => Promise.resolve();
let running: Promise<void> | null = null;
let failing = false;

self.onmessage = (e: MessageEvent<ToHistory>) => {
  match(e.data)
    .with({ type: "init" }, async ({ config, lease: identity }) => {
      try {
        const s = store = openStore(config.databaseUrl, { pool: 2 });
        const { holder, predecessor } = identity;
        const l = lease = new LeaseKeeper(s.leases, ROLLUP_LEASE, holder, {
          predecessor,
          onChange: (held) =>
            held
              ? log.info("Took the rollup lease: this hub rolls up", { holder })
              : log.info("No longer holds the rollup lease: another hub rolls up", { holder }),
          onError: (err) => log.warn("Cannot renew the rollup lease", { error: err }),
        });
        // Taken (or found taken) before the hub says it is ready.
        await l.start();
        const tick = () => {
          if (!l.held) return;
          const started = performance.now();
          running ??= rollUpPending(s, config.retention, Date.now(), logSkips(log), l).then(
            (batches) => {
              const ms = Math.round(performance.now() - started);
              if (failing) log.info("Rolling up again");
              failing = false;
              const fields = { batches, ms };
              if (ms > SLOW_RUN_MS) log.warn("Rollup run was slow", fields);
              else if (batches) log.debug("Rolled up", fields);
            },
            (err) => {
              if (err instanceof LeaseLostError) {
                log.info("Lost the rollup lease during a run; it wrote nothing", { holder });
                return;
              }
              // Once per outage, not every few seconds.
              if (!failing) log.warn("Cannot roll up; trying again", { error: err });
              failing = true;
            },
          ).finally(() => running = null);
        };
        timer = setInterval(tick, config.rollupEveryS * 1000);
        stopRetention = startRetention(s, config.retention, log, l, {
          packageChangesDays: config.packageChangesDays,
          checkResultsDays: config.checkResultsDays,
          alertsDays: config.alertsDays,
          logs: config.logRetention,
        });
        post({ type: "ready" });
      } catch (err) {
        post({ type: "failed", message: (err as Error).message });
      }
    })
    .with({ type: "shutdown" }, async () => {
      clearInterval(timer);
      await stopRetention();
      await running;
      // Given up at once, so another hub takes over without waiting for it to run out.
      await lease?.stop();
      await store?.close();
      post({ type: "stopped" });
    })
    .exhaustive();
};
