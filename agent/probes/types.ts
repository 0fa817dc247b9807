/**
 * What every probe executor shares: it gets its check's typed spec and a
 * deadline, and always resolves to a result (a failure is a result with its
 * reason, never a throw), so one check going wrong costs only its own round.
 */
import type { CheckTimings } from "../../proto/gen/sightline/agent/v1/agent_lean.ts";

export interface ProbeResult {
  ok: boolean;
  /** The round's response time, total. */
  ms: number;
  /** Why it failed, or what it found. */
  message: string;
  timings?: CheckTimings;
  certDaysLeft?: number;
  lossPercent?: number;
}

export interface ProbeOptions {
  timeoutMs: number;
  /** Ends the round early (the agent stopping, the check removed). */
  signal?: AbortSignal;
  /**
   * Roots trusted besides the system's (PEM), for checks of services behind
   * an internal CA.
   */
  caCerts?: string[];
}

/** A monotonic stopwatch in ms since its start, rounded to 0.01 ms. */
export function stopwatch(): () => number {
  const t0 = performance.now();
  return () => Math.round((performance.now() - t0) * 100) / 100;
}

/** A signal that fires on the timeout or on the caller's signal. */
export function deadline(opts: ProbeOptions): AbortSignal {
  const t = AbortSignal.timeout(opts.timeoutMs);
  return opts.signal ? AbortSignal.any([t, opts.signal]) : t;
}

/** A short reason from whatever was thrown. */
export function reason(err: unknown): string {
  if (err instanceof DOMException && err.name === "TimeoutError") return "timed out";
  const e = err as { code?: string; message?: string };
  const msg = String(e?.message ?? err).split("\n")[0].slice(0, 200);
  return e?.code && !msg.includes(e.code) ? `${e.code}: ${msg}` : msg;
}
