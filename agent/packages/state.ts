/**
 * What the agent last sent of its package inventory, kept in its Deno KV
 * (beside the WAL and the desired state) so that a restarted agent sends
 * only what changed while it was down: the inventory as the hub holds it
 * after the last batch, the full batch it builds on (`baselineSeq`) and when
 * it was sent. Kept under the agent's id: a new registration starts with a
 * full inventory.
 *
 * An inventory is larger than one KV value (64 KiB), so it is stored as an
 * encoded PackageBatch in chunks under a generation, and a head record
 * names the generation in force: a crash while writing a new generation
 * leaves the old one whole.
 */
import {
  createPackageBatch,
  decodePackageBatch,
  encodePackageBatch,
  type Package,
} from "../../proto/gen/sightline/agent/v1/agent_lean.ts";

const CHUNK = 60 * 1024;
/** Chunks written per atomic commit (well within KV's 800 KiB a commit). */
const CHUNKS_PER_COMMIT = 8;

/** The inventory the hub holds, by {@link packageKey}. */
export type Inventory = Map<string, Package>;

/** What was sent last. */
export interface Sent {
  baselineSeq: number;
  /** Unix ms of the last batch sent. */
  sentAt: number;
  packages: Inventory;
  /** The managers found and those that failed, as last sent: a change to them is worth a batch. */
  managers: string;
}

interface Head {
  gen: number;
  chunks: number;
  baselineSeq: number;
  sentAt: number;
  managers?: string;
}

/** A package's key, (manager, name, arch), as one string. */
export function packageKey(p: { manager: string; name: string; arch: string }): string {
  return `${p.manager}\0${p.name}\0${p.arch}`;
}

/** The sent inventory of one agent identity in one KV database. */
export class SentStore {
  #prefix: Deno.KvKey;

  constructor(private kv: Deno.Kv, agentId: string) {
    this.#prefix = ["packages", agentId];
  }

  /** What was sent last, or null: nothing yet (or the record is unreadable), so a full batch is due. */
  async load(): Promise<Sent | null> {
    const head = (await this.kv.get<Head>([...this.#prefix, "head"])).value;
    if (!head) return null;
    const parts: Uint8Array[] = [];
    for await (
      const e of this.kv.list<Uint8Array>({ prefix: [...this.#prefix, "gen", head.gen] })
    ) {
      parts.push(e.value);
    }
    if (parts.length !== head.chunks) return null;
    const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      data.set(p, off);
      off += p.length;
    }
    let packages: Package[];
    try {
      packages = decodePackageBatch(data).upsert;
    } catch {
      return null;
    }
    return {
      baselineSeq: head.baselineSeq,
      sentAt: head.sentAt,
      managers: head.managers ?? "",
      packages: new Map(packages.map((p) => [packageKey(p), p])),
    };
  }

  /** Stores `sent` as a new generation, then makes it the one in force and drops the old one. */
  async save(sent: Sent): Promise<void> {
    const headKey = [...this.#prefix, "head"];
    const old = await this.kv.get<Head>(headKey);
    const gen = (old.value?.gen ?? 0) + 1;
    const data = encodePackageBatch(createPackageBatch({ upsert: [...sent.packages.values()] }));
    const chunks = Math.max(1, Math.ceil(data.length / CHUNK));
    // A crash part way leaves chunks of a generation no head names; the next save overwrites them.
    await this.#dropGen(gen);
    for (let i = 0; i < chunks; i += CHUNKS_PER_COMMIT) {
      const op = this.kv.atomic();
      for (let j = i; j < Math.min(chunks, i + CHUNKS_PER_COMMIT); j++) {
        op.set([...this.#prefix, "gen", gen, j], data.subarray(j * CHUNK, (j + 1) * CHUNK));
      }
      await op.commit();
    }
    const head: Head = {
      gen,
      chunks,
      baselineSeq: sent.baselineSeq,
      sentAt: sent.sentAt,
      managers: sent.managers,
    };
    const res = await this.kv.atomic().check(old).set(headKey, head).commit();
    if (!res.ok) throw new Error("package state changed while being saved");
    if (old.value) await this.#dropGen(old.value.gen);
  }

  async #dropGen(gen: number): Promise<void> {
    for await (const e of this.kv.list({ prefix: [...this.#prefix, "gen", gen] })) {
      await this.kv.delete(e.key);
    }
  }
}
