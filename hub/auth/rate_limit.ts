/** A sliding-window counter of failures per key (IP, user name), for sign-in. */

/** Allows at most `max` failures per `windowMs` per key. */
export class FailureLimiter {
  #fails = new Map<string, number[]>();

  constructor(readonly max: number, readonly windowMs: number) {
    if (max < 1 || windowMs <= 0) throw new RangeError("FailureLimiter needs max ≥ 1 and a window");
  }

  #recent(key: string, now: number): number[] {
    const list = (this.#fails.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.#fails.set(key, list);
    else this.#fails.delete(key);
    return list;
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string, now = Date.now()): number {
    const list = this.#recent(key, now);
    return list.length >= this.max ? list[0] + this.windowMs - now : 0;
  }

  /** Records a failure for `key`. */
  fail(key: string, now = Date.now()): void {
    const list = this.#recent(key, now);
    list.push(now);
    this.#fails.set(key, list);
    if (this.#fails.size > 100_000) this.#fails.delete(this.#fails.keys().next().value!);
  }

  /** Forgets `key` (after a success). */
  reset(key: string): void {
    this.#fails.delete(key);
  }
}
