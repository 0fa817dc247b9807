/**
 * The in-memory liveness of every host: updated on each heartbeat without a
 * database write, swept for hosts gone quiet, and flushed to the store by the
 * sync. Each method returns the status change it caused, if any, so the
 * caller can push it to browsers at once.
 */
import type { StatusUpdate } from "../store/hosts/types.ts";

/** A host's status changed. */
export interface StatusChange {
  hostId: string;
  status: "online" | "offline";
  lastSeen: number | null;
  pendingBatches: number;
}

interface Entry {
  status: "online" | "offline";
  lastSeen: number | null;
  /** Open streams speaking for this host; it is offline only when none is left. */
  streams: Set<number>;
  droppedBatches: number;
  pendingBatches: number;
  dirty: boolean;
}

/** Liveness of the fleet, keyed by host id. */
export class HeartbeatCache {
  #hosts = new Map<string, Entry>();

  /** Seeds the cache from the store; every host starts offline until it speaks. */
  load(
    hosts: Array<{ id: string; status: string; lastSeenMs: number | null; droppedBatches: number }>,
  ): void {
    for (const h of hosts) {
      this.#hosts.set(h.id, {
        status: "offline",
        lastSeen: h.lastSeenMs,
        streams: new Set(),
        droppedBatches: h.droppedBatches,
        pendingBatches: 0,
        // The store may still say online from before a crash.
        dirty: h.status !== "offline",
      });
    }
  }

  #entry(hostId: string): Entry {
    let e = this.#hosts.get(hostId);
    if (!e) {
      e = {
        status: "offline",
        lastSeen: null,
        streams: new Set(),
        droppedBatches: 0,
        pendingBatches: 0,
        dirty: true,
      };
      this.#hosts.set(hostId, e);
    }
    return e;
  }

  #seen(hostId: string, streamId: number, at: number): StatusChange | null {
    const e = this.#entry(hostId);
    e.streams.add(streamId);
    e.lastSeen = Math.max(e.lastSeen ?? 0, at);
    e.dirty = true;
    if (e.status === "online") return null;
    e.status = "online";
    return { hostId, status: "online", lastSeen: e.lastSeen, pendingBatches: e.pendingBatches };
  }

  /** An agent opened a stream and said Hello. */
  connected(
    hostId: string,
    streamId: number,
    at: number,
    droppedBatches: number,
  ): StatusChange | null {
    this.#entry(hostId).droppedBatches = droppedBatches;
    return this.#seen(hostId, streamId, at);
  }

  /** A heartbeat arrived. */
  heartbeat(
    hostId: string,
    streamId: number,
    at: number,
    droppedBatches: number,
    pendingBatches: number,
  ): StatusChange | null {
    const e = this.#entry(hostId);
    e.droppedBatches = droppedBatches;
    e.pendingBatches = pendingBatches;
    return this.#seen(hostId, streamId, at);
  }

  /** A stream ended; the host is offline unless another stream of it is still open. */
  disconnected(hostId: string, streamId: number): StatusChange | null {
    const e = this.#hosts.get(hostId);
    if (!e || !e.streams.delete(streamId) || e.streams.size > 0 || e.status === "offline") {
      return null;
    }
    return this.#offline(hostId, e);
  }

  #offline(hostId: string, e: Entry): StatusChange {
    e.status = "offline";
    e.streams.clear();
    e.dirty = true;
    return { hostId, status: "offline", lastSeen: e.lastSeen, pendingBatches: e.pendingBatches };
  }

  /** Forgets every open stream (their process is gone); status stays until the sweep. */
  dropStreams(): void {
    for (const e of this.#hosts.values()) e.streams.clear();
  }

  /** Marks offline every host silent for longer than `afterMs`. */
  sweep(now: number, afterMs: number): StatusChange[] {
    const changes: StatusChange[] = [];
    for (const [hostId, e] of this.#hosts) {
      if (e.status === "online" && now - (e.lastSeen ?? 0) > afterMs) {
        changes.push(this.#offline(hostId, e));
      }
    }
    return changes;
  }

  /** The current status of every host. */
  snapshot(): StatusChange[] {
    return [...this.#hosts].map(([hostId, e]) => ({
      hostId,
      status: e.status,
      lastSeen: e.lastSeen,
      pendingBatches: e.pendingBatches,
    }));
  }

  /** The hosts changed since the last call, for the store sync. */
  takeDirty(): StatusUpdate[] {
    const out: StatusUpdate[] = [];
    for (const [id, e] of this.#hosts) {
      if (!e.dirty) continue;
      e.dirty = false;
      out.push({ id, status: e.status, lastSeenMs: e.lastSeen, droppedBatches: e.droppedBatches });
    }
    return out;
  }

  /** Puts updates back after a failed sync so the next one retries them. */
  markDirty(ids: string[]): void {
    for (const id of ids) {
      const e = this.#hosts.get(id);
      if (e) e.dirty = true;
    }
  }
}
