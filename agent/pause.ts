/** A wait that jobs share: how long, and the signal that ends it early. */

/**
 * Waits `ms`, or until `signal` aborts. The listener goes when the wait ends:
 * the scheduler's signal lives as long as the process, and a listener left on
 * it per wait (4 a second) kept about a kilobyte each, forever.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
