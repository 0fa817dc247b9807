/**
 * Leases: work that must happen once per fleet (rollups, and later the
 * notification sender and the probe scheduler) runs on the one hub that holds
 * its lease. A lease is a row (name, holder, expires_at); the holder renews
 * it while it works, and when it stops (or dies and the lease runs out)
 * another hub takes it. The embedded store has one hub: it is trivially the
 * holder, with the same SQL.
 */

export interface LeaseStore {
  /**
   * Takes lease `name` for `holder` until `now + ttlMs` when it is free or
   * has run out, or held by `predecessor` (the process before this one on
   * the same data dir), or renews it when `holder` has it already; false when
   * another holder has it.
   */
  acquire(
    name: string,
    holder: string,
    ttlMs: number,
    now: number,
    predecessor?: string | null,
  ): Promise<boolean>;
  /** Gives the lease up, so another hub may take it at once; false when `holder` had it not. */
  release(name: string, holder: string): Promise<boolean>;
}

/**
 * A transaction found that its job's hub no longer holds the lease (it ran
 * out during a stall, and another hub took it): it wrote nothing.
 */
export class LeaseLostError extends Error {
  constructor(readonly lease: string, readonly holder: string) {
    super(`Lease ${lease} is no longer held by ${holder}`);
  }
}
