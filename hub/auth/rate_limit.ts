/**
 * Sign-in rate limits. An attempt is counted when it starts, before the
 * password is checked, so requests sent in parallel count as they arrive
 * (checking takes tens of milliseconds of scrypt; counting after it let 29
 * parallel guesses through a limit of 10).
 */

/** A sliding window of attempts per key: at most `max` per `windowMs`. */
export class FailureLimiter {
  #hits = new Map<string, number[]>();

  constructor(readonly max: number, readonly windowMs: number) {
    if (max < 1 || windowMs <= 0) throw new RangeError("FailureLimiter needs max ≥ 1 and a window");
  }

  #recent(key: string, now: number): number[] {
    const list = (this.#hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.#hits.set(key, list);
    else this.#hits.delete(key);
    return list;
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string, now = Date.now()): number {
    const list = this.#recent(key, now);
    return list.length >= this.max ? list[0] + this.windowMs - now : 0;
  }

  /** Records one attempt for `key`. */
  hit(key: string, now = Date.now()): void {
    const list = this.#recent(key, now);
    list.push(now);
    this.#hits.set(key, list);
    if (this.#hits.size > 100_000) this.#hits.delete(this.#hits.keys().next().value!);
  }

  /** Takes back the attempt recorded at `at` (it turned out right). */
  unhit(key: string, at: number): void {
    const list = this.#hits.get(key);
    const i = list?.lastIndexOf(at) ?? -1;
    if (i >= 0) list!.splice(i, 1);
  }

  /** Forgets `key`. */
  reset(key: string): void {
    this.#hits.delete(key);
  }
}

export interface LoginLimits {
  /** Wrong tries from one address (10 per 15 minutes). */
  perAddress: { max: number; windowMs: number };
  /**
   * Wrong tries at one name from addresses it has not signed in from before
   * (50 an hour): slower than the address limit, so guessing one password
   * from many addresses is still slowed, while its owner, from an address it
   * signed in from, is never locked out by someone else's guesses.
   */
  perName: { max: number; windowMs: number };
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddress: { max: 10, windowMs: 15 * 60_000 },
  perName: { max: 50, windowMs: 60 * 60_000 },
};

/** Where a name signed in from, remembered this long. */
const KNOWN_FOR_MS = 30 * 86_400_000;

/** The sign-in guard: per-address and per-name limits, and the addresses each name is known at. */
export class LoginGuard {
  #address: FailureLimiter;
  #name: FailureLimiter;
  #known = new Map<string, number>();
  /** Per blocked address or name, until when the block already reported lasts. */
  #reported = new Map<string, number>();

  constructor(limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    this.#address = new FailureLimiter(limits.perAddress.max, limits.perAddress.windowMs);
    this.#name = new FailureLimiter(limits.perName.max, limits.perName.windowMs);
  }

  #knownAt(name: string, ip: string, now: number): boolean {
    const at = this.#known.get(`${name}\0${ip}`);
    return at !== undefined && now - at < KNOWN_FOR_MS;
  }

  /**
   * Starts an attempt: 0 when it may go on (and it is counted from now), or
   * the milliseconds until this address may try this name again.
   */
  begin(ip: string, name: string, now = Date.now()): number {
    const key = name.toLowerCase();
    const known = this.#knownAt(key, ip, now);
    const wait = Math.max(
      this.#address.retryAfter(ip, now),
      known ? 0 : this.#name.retryAfter(key, now),
    );
    if (wait > 0) return wait;
    this.#address.hit(ip, now);
    if (!known) this.#name.hit(key, now);
    return 0;
  }

  /**
   * Whether a refusal (`begin` said wait `waitMs`) is the first of its block
   * (of the address, or else of the name): the audit log records that one,
   * not every refused request, which a client could send without end.
   */
  newBlock(ip: string, name: string, waitMs: number, now = Date.now()): boolean {
    const key = this.#address.retryAfter(ip, now) > 0
      ? `address\0${ip}`
      : `name\0${name.toLowerCase()}`;
    if ((this.#reported.get(key) ?? 0) > now) return false;
    this.#reported.set(key, now + waitMs);
    if (this.#reported.size > 100_000) this.#reported.delete(this.#reported.keys().next().value!);
    return true;
  }

  /** The attempt begun at `startedAt` was right: it does not count, and the address is known. */
  succeeded(ip: string, name: string, startedAt: number): void {
    const key = name.toLowerCase();
    this.#address.unhit(ip, startedAt);
    this.#name.unhit(key, startedAt);
    this.#known.set(`${key}\0${ip}`, Date.now());
    if (this.#known.size > 100_000) this.#known.delete(this.#known.keys().next().value!);
  }
}
