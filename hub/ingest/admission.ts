/**
 * Load shedding at the agent port. Starting a call costs the most (a token
 * check or a signature check, a database read, the Hello write), and a fleet
 * reconnecting at once starts thousands together. Past a bound on calls
 * starting at once, or while the event loop lags, new calls are refused with
 * UNAVAILABLE and a retry hint (`grpc-retry-pushback-ms`, jittered), before
 * the process is too slow to serve the streams it already has.
 */
import { GrpcError, Status } from "../../lib/grpc/server.ts";
import type { Logger } from "../../lib/log.ts";

export interface AdmissionOptions {
  /** Calls in their start phase at once. */
  maxStarting: number;
  /** Event-loop lag past which new calls are refused. */
  maxLagMs: number;
  log: Logger;
  /** The lag now (tests); by default measured by a timer every 100 ms. */
  lagMs?: () => number;
  random?: () => number;
}

export const DEFAULT_ADMISSION = { maxStarting: 256, maxLagMs: 500 };

export class Admission {
  #starting = 0;
  #lag = 0;
  #shed = 0;
  #warnedAt = 0;
  #lagMs: () => number;
  #random: () => number;

  constructor(private opts: AdmissionOptions) {
    this.#random = opts.random ?? Math.random;
    if (opts.lagMs) {
      this.#lagMs = opts.lagMs;
    } else {
      let expected = performance.now() + 100;
      const timer = setInterval(() => {
        const now = performance.now();
        // Decays, so one long pause does not shed for seconds after.
        this.#lag = Math.max(now - expected, this.#lag * 0.5);
        expected = now + 100;
      }, 100);
      Deno.unrefTimer(timer);
      this.#lagMs = () => this.#lag;
    }
  }

  /** Calls refused so far. */
  get shed(): number {
    return this.#shed;
  }

  /**
   * Admits a call into its start phase, or throws UNAVAILABLE with a retry
   * hint; the function returned ends the start phase (calling it again does
   * nothing).
   */
  enter(): () => void {
    const lag = this.#lagMs();
    if (this.#starting >= this.opts.maxStarting || lag > this.opts.maxLagMs) {
      this.#shed++;
      const now = Date.now();
      if (now - this.#warnedAt > 10_000) {
        this.#warnedAt = now;
        this.opts.log.warn("Shedding load: refusing new agent calls for now", {
          starting: this.#starting,
          lag_ms: Math.round(lag),
          refused: this.#shed,
        });
      }
      throw new GrpcError(
        Status.UNAVAILABLE,
        "Hub is busy; retry later",
        2000 + this.#random() * 3000,
      );
    }
    this.#starting++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#starting--;
    };
  }
}
