/**
 * Keeps a lease for a job: takes it when it is free, renews it while the
 * hub runs, and says when it is lost (another hub took it after this one
 * stalled past its expiry, or the database stayed away that long). Jobs
 * check `held` before a run and pass `signal` down, which aborts on loss;
 * their transactions check the lease again (lockLease), so a hub that lost
 * it writes nothing.
 */
import type { LeaseStore } from "./types.ts";

/** How long a lease lasts unless renewed; renewals (and attempts to take it) come 3 times as often. */
export const LEASE_TTL_MS = 30_000;

export class LeaseKeeper {
  #held = false;
  /** Until when the last renewal holds it (this hub's clock). */
  #until = 0;
  #lost = new AbortController();
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly leases: LeaseStore,
    readonly name: string,
    readonly holder: string,
    private readonly options: {
      ttlMs?: number;
      /** Told each time this hub takes the lease (true) or loses it (false). */
      onChange?: (held: boolean) => void;
      /** Told when the database cannot be asked (the lease may still be held). */
      onError?: (err: unknown) => void;
    } = {},
  ) {}

  get #ttl(): number {
    return this.options.ttlMs ?? LEASE_TTL_MS;
  }

  /** Whether this hub holds the lease now. */
  get held(): boolean {
    return this.#held && Date.now() < this.#until;
  }

  /** Aborted when the lease is lost; a fresh signal each time it is taken. */
  get signal(): AbortSignal {
    return this.#lost.signal;
  }

  /** Tries to take the lease now, and again (or renews it) every third of its life. */
  async start(): Promise<void> {
    this.#timer = setInterval(() => this.#tick(), this.#ttl / 3);
    await this.#tick();
  }

  #tick(): Promise<void> {
    this.#ticking = this.#ticking.then(async () => {
      const now = Date.now();
      let won: boolean;
      try {
        won = await this.leases.acquire(this.name, this.holder, this.#ttl, now);
      } catch (err) {
        this.options.onError?.(err);
        // Held until the last renewal runs out, unless the next try comes too late.
        if (this.#held && now + this.#ttl / 3 >= this.#until) this.#set(false);
        return;
      }
      if (won) this.#until = now + this.#ttl;
      this.#set(won);
    });
    return this.#ticking;
  }

  #set(held: boolean): void {
    if (held === this.#held) return;
    this.#held = held;
    if (held) this.#lost = new AbortController();
    else this.#lost.abort();
    this.options.onChange?.(held);
  }

  /** Stops renewing and gives the lease up, so another hub takes it at once. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#ticking;
    if (!this.#held) return;
    this.#set(false);
    try {
      await this.leases.release(this.name, this.holder);
    } catch (err) {
      // It runs out by itself.
      this.options.onError?.(err);
    }
  }
}

/**
 * This process among the hubs of a cluster, in the lease table and the log.
 * The embedded store has one hub, so it holds under one name: restarted after
 * a crash, it renews its own lease at once instead of waiting for it to expire.
 */
export function holderFor(databaseUrl: string): string {
  if (databaseUrl.startsWith("sqlite:")) return "embedded";
  return `${Deno.hostname()}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;
}
