/**
 * The desired state the hub pushed to this agent (DesiredState in the
 * .proto), kept in the agent's Deno KV with its version so a restarted agent
 * applies it at once and tells the hub which version it holds.
 *
 * Kept under the agent's id (a new registration starts from nothing) and
 * with the agent version that stored it: a build reading state another
 * build stored says it holds none, and the hub sends the whole set again, so
 * an item of a kind the older build could not read (and kept without its
 * value) reaches the newer one whole.
 */
import {
  createDesiredState,
  decodeDesiredState,
  type DesiredItem,
  type DesiredState,
  encodeDesiredState,
} from "../proto/gen/sightline/agent/v1/agent_lean.ts";

/** What is held: the version and the items by key. */
export interface Held {
  version: number;
  items: Map<string, DesiredItem>;
}

interface Stored {
  agentVersion: string;
  /** A DesiredState with `full` set: the whole set at its version. */
  state: Uint8Array;
}

/** The desired state of one agent identity in one KV database. */
export class DesiredStore {
  #key: Deno.KvKey;

  constructor(private kv: Deno.Kv, agentId: string, private agentVersion: string) {
    this.#key = ["desired", agentId];
  }

  /** What this agent holds; version 0 and no items when nothing (usable) is stored. */
  async load(): Promise<Held> {
    const e = await this.kv.get<Stored>(this.#key);
    if (!e.value || e.value.agentVersion !== this.agentVersion) {
      return { version: 0, items: new Map() };
    }
    const s = decodeDesiredState(e.value.state);
    return { version: s.version, items: new Map(s.set.map((i) => [i.key, i])) };
  }

  /** Applies a push to what is held and stores the result; returns it. */
  async apply(held: Held, push: DesiredState): Promise<Held> {
    const items = push.full ? new Map<string, DesiredItem>() : new Map(held.items);
    for (const item of push.set) items.set(item.key, item);
    for (const key of push.removed) items.delete(key);
    const next = { version: push.version, items };
    const state = encodeDesiredState(
      createDesiredState({ version: next.version, full: true, set: [...items.values()] }),
    );
    await this.kv.set(this.#key, { agentVersion: this.agentVersion, state } satisfies Stored);
    return next;
  }
}
