/**
 * The agent's write-ahead log in Deno KV: every metrics batch is appended
 * (with the next sequence number) before it is sent, and deleted only when
 * the hub acknowledges it, so a hub outage or an agent restart loses nothing.
 * The log is bounded in bytes; when full, the oldest batches are dropped and
 * counted, and the count travels to the hub.
 */

/** A batch waiting for the hub's acknowledgement. */
export interface WalEntry {
  seq: number;
  data: Uint8Array;
}

/** Deno KV refuses values over 64 KiB; larger batches are split. */
const CHUNK = 60 * 1024;
const META = {
  nextSeq: ["meta", "next_seq"],
  bytes: ["meta", "bytes"],
  dropped: ["meta", "dropped"],
  count: ["meta", "count"],
  owner: ["meta", "owner"],
} as const;
const ONE = 1n;
/** KvU64 sums wrap at 2^64, so adding this subtracts one. */
const MINUS_ONE = (1n << 64n) - 1n;

/** The log over one KV database. */
export class Wal {
  #kv: Deno.Kv;
  #maxBytes: number;
  /** Appends, trims and acks run one at a time, so no batch is deleted twice. */
  #lock: Promise<unknown> = Promise.resolve();

  private constructor(kv: Deno.Kv, maxBytes: number) {
    this.#kv = kv;
    this.#maxBytes = maxBytes;
  }

  /** Opens (or creates) the log at `path`, holding at most `maxBytes` of batches. */
  static async open(path: string, maxBytes = 64 * 1024 * 1024): Promise<Wal> {
    return new Wal(await Deno.openKv(path), maxBytes);
  }

  close(): void {
    this.#kv.close();
  }

  /** The KV database the log lives in, shared with the agent's other durable state (desired.ts). */
  get kv(): Deno.Kv {
    return this.#kv;
  }

  async #meta(key: readonly string[]): Promise<Deno.KvEntryMaybe<Deno.KvU64>> {
    return await this.#kv.get<Deno.KvU64>(key);
  }

  /** Batches dropped because the log was full, since it was created. */
  async dropped(): Promise<number> {
    return Number((await this.#meta(META.dropped)).value?.value ?? 0n);
  }

  /** Bytes of batches held. */
  async bytes(): Promise<number> {
    return Number((await this.#meta(META.bytes)).value?.value ?? 0n);
  }

  /** The seq the next append will get. */
  async nextSeq(): Promise<number> {
    return Number((await this.#meta(META.nextSeq)).value?.value ?? 1n);
  }

  /**
   * Appends the batch `encode(seq)` returns under the next seq, then drops the
   * oldest batches while the log is over its bound. Returns the seq used.
   * `also` adds writes to the append's own atomic commit: a job's read
   * position (log offsets) is then kept exactly when its batch is, so a
   * crash between the two cannot lose or repeat what the batch holds.
   */
  append(
    encode: (seq: number) => Uint8Array,
    also?: (op: Deno.AtomicOperation) => void,
  ): Promise<number> {
    return this.#serial(() => this.#append(encode, also));
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => {});
    return run;
  }

  async #append(
    encode: (seq: number) => Uint8Array,
    also?: (op: Deno.AtomicOperation) => void,
  ): Promise<number> {
    for (;;) {
      const next = await this.#meta(META.nextSeq);
      const seq = Number(next.value?.value ?? 1n);
      const data = encode(seq);
      const op = this.#kv.atomic().check(next);
      const chunks = Math.max(1, Math.ceil(data.length / CHUNK));
      for (let i = 0; i < chunks; i++) {
        op.set(["wal", seq, i], data.subarray(i * CHUNK, (i + 1) * CHUNK));
      }
      op.set(META.nextSeq, new Deno.KvU64(BigInt(seq + 1)));
      op.sum(META.bytes, BigInt(data.length));
      op.sum(META.count, ONE);
      also?.(op);
      if ((await op.commit()).ok) {
        await this.#trim();
        return seq;
      }
    }
  }

  async #trim(): Promise<void> {
    let bytes = await this.bytes();
    if (bytes <= this.#maxBytes) return;
    for await (const e of this.entries()) {
      if (bytes <= this.#maxBytes) break;
      await this.#delete(e, 1n);
      bytes -= e.data.length;
    }
  }

  async #delete(e: WalEntry, dropped: bigint): Promise<void> {
    const op = this.#kv.atomic();
    for (let i = 0; i < Math.max(1, Math.ceil(e.data.length / CHUNK)); i++) {
      op.delete(["wal", e.seq, i]);
    }
    // sum() with a wrapped-around value subtracts: KvU64 arithmetic is mod 2^64.
    op.sum(META.bytes, (1n << 64n) - BigInt(e.data.length));
    op.sum(META.count, MINUS_ONE);
    if (dropped) op.sum(META.dropped, dropped);
    await op.commit();
  }

  /**
   * Makes the next seq at least `seq`. Used when the hub already holds higher
   * seqs than this log ever issued (the log was deleted while the identity
   * was kept): without it, every new batch would look like a replay.
   */
  advanceTo(seq: number): Promise<void> {
    return this.#serial(async () => {
      const next = await this.#meta(META.nextSeq);
      if (Number(next.value?.value ?? 1n) >= seq) return;
      await this.#kv.atomic().check(next).set(META.nextSeq, new Deno.KvU64(BigInt(seq))).commit();
    });
  }

  /** Every held batch with `after` < seq ≤ `upTo`, oldest first. */
  async *entries(after = 0, upTo = Number.MAX_SAFE_INTEGER - 1): AsyncGenerator<WalEntry> {
    let seq = -1;
    let parts: Uint8Array[] = [];
    const flush = (): WalEntry => {
      const size = parts.reduce((n, p) => n + p.length, 0);
      const data = new Uint8Array(size);
      let off = 0;
      for (const p of parts) {
        data.set(p, off);
        off += p.length;
      }
      return { seq, data };
    };
    for await (
      const e of this.#kv.list<Uint8Array>({ start: ["wal", after + 1], end: ["wal", upTo + 1] })
    ) {
      const s = e.key[1] as number;
      if (s !== seq && parts.length) {
        yield flush();
        parts = [];
      }
      seq = s;
      parts.push(e.value);
    }
    if (parts.length) yield flush();
  }

  /**
   * Binds the log to the agent identity `agentId`. A log kept under another
   * identity (the host was removed and the agent registered again) holds
   * batches of a host that is gone: they are discarded, never sent under the
   * new identity, and numbering starts again. Returns how many were discarded.
   */
  claim(agentId: string): Promise<number> {
    return this.#serial(async () => {
      const owner = await this.#kv.get<string>(META.owner);
      if (owner.value === agentId) return 0;
      if (owner.value === null) {
        // A log from before logs had owners: it is this identity's.
        await this.#kv.atomic().check(owner).set(META.owner, agentId).commit();
        return 0;
      }
      let discarded = 0;
      for await (const e of this.entries()) {
        await this.#delete(e, 0n);
        discarded++;
      }
      await this.#kv.atomic()
        .set(META.owner, agentId)
        .delete(META.nextSeq)
        .delete(META.dropped)
        .delete(META.bytes)
        .delete(META.count)
        .commit();
      return discarded;
    });
  }

  /** How many batches are held. */
  async pending(): Promise<number> {
    return Number((await this.#meta(META.count)).value?.value ?? 0n);
  }

  /** Deletes every batch with seq ≤ `seq` (the hub has them). */
  ack(seq: number): Promise<void> {
    return this.#serial(async () => {
      for await (const e of this.entries(0, seq)) await this.#delete(e, 0n);
    });
  }
}
