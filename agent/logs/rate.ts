/**
 * The per-host rate limit on log lines, shared by the file and journal
 * readers: a token bucket of one second's worth; a line past it is dropped
 * and counted, and the count travels to the hub with the next batch.
 */
export class RateLimit {
  #tokens: number;
  #refilled: number;
  #dropped = 0;
  /** Dropped since the limiter was made. */
  droppedTotal = 0;

  constructor(readonly linesPerS: number, private now: () => number = Date.now) {
    this.#tokens = linesPerS;
    this.#refilled = now();
  }

  /** Whether one more line may go. */
  admit(): boolean {
    const now = this.now();
    this.#tokens = Math.min(
      this.linesPerS,
      this.#tokens + ((now - this.#refilled) / 1000) * this.linesPerS,
    );
    this.#refilled = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    this.#dropped++;
    this.droppedTotal++;
    return false;
  }

  /** The lines dropped since the last call (for the next batch). */
  takeDropped(): number {
    const n = this.#dropped;
    this.#dropped = 0;
    return n;
  }
}
