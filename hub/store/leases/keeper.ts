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
      /** A holder whose lease this one takes at once (the process before it on this data dir). */
      predecessor?: string | null;
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
        won = await this.leases.acquire(
          this.name,
          this.holder,
          this.#ttl,
          now,
          this.options.predecessor ?? null,
        );
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

/** Who holds leases for this hub process, and who held them for the one before it. */
export interface LeaseIdentity {
  holder: string;
  /**
   * The holder the previous process on this data dir wrote down, when it is
   * known to have ended: its leases are this one's to take at once, not after
   * they run out.
   */
  predecessor: string | null;
}

/** Where a hub on PostgreSQL writes its holder name, in its data dir. */
const HOLDER_FILE = "lease_holder";

/**
 * Whether the process a holder name stands for has ended: it ran on this
 * machine (the name starts with this hostname) and its pid is gone. Anything
 * else — another machine, a pid still alive (another hub sharing this data
 * dir, or a pid reused), no /proc to ask — is not known to have ended.
 */
function ended(holder: string): boolean {
  const m = /^(.*):(\d+):[0-9a-f]{8}$/.exec(holder);
  if (!m || m[1] !== Deno.hostname() || Number(m[2]) === Deno.pid) return false;
  try {
    Deno.statSync(`/proc/${m[2]}`);
    return false;
  } catch (err) {
    // Without /proc (macOS) nothing is known; with it, no entry is no process.
    return err instanceof Deno.errors.NotFound && existsProc();
  }
}

function existsProc(): boolean {
  try {
    return Deno.statSync("/proc/self").isDirectory;
  } catch {
    return false;
  }
}

/**
 * This process among the hubs of a cluster, in the lease table and the log.
 * The embedded store has one hub, so it holds under one name. On PostgreSQL
 * each process has a name of its own (`host:pid:random`; two processes can
 * never both think they hold a lease), written to the data dir. A process
 * started on that dir reads the name there, and when that process has ended
 * (same machine, its pid gone) takes over its leases at once, so a restarted
 * hub sends notifications and rolls up again without waiting 30 s for its own
 * old leases to run out. Hubs of a cluster may share one data dir: a name
 * whose process still runs is another hub's, and nothing is taken from it.
 */
export async function leaseIdentity(databaseUrl: string, dataDir: string): Promise<LeaseIdentity> {
  if (databaseUrl.startsWith("sqlite:")) return { holder: "embedded", predecessor: null };
  const path = `${dataDir}/${HOLDER_FILE}`;
  let predecessor: string | null = null;
  try {
    const text = (await Deno.readTextFile(path)).trim();
    if (/^[\x21-\x7e]{1,300}$/.test(text) && ended(text)) predecessor = text;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const holder = `${Deno.hostname()}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;
  // Written whole or not at all: a crash mid-write must not leave half a name.
  const tmp = `${path}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(tmp, holder + "\n", { mode: 0o600 });
  await Deno.rename(tmp, path);
  return { holder, predecessor };
}
