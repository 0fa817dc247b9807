/**
 * The main thread's copy of host liveness, fed by the heartbeat worker's
 * status events, so the API answers from memory what the database only
 * learns at the next sync.
 */
import type { Host } from "../store/store.ts";

/** Live status of one host as the heartbeat worker last said. */
export interface LiveStatus {
  status: "online" | "offline";
  lastSeen: number | null;
  pendingBatches: number;
}

/** Host id → live status. */
export class StatusMirror {
  #map = new Map<string, LiveStatus>();

  /** Records what the heartbeat worker said. */
  set(hostId: string, s: LiveStatus): void {
    this.#map.set(hostId, s);
  }

  /** The host with its live status laid over what the store had. */
  apply(host: Host): Host & { pending_batches: number } {
    const live = this.#map.get(host.id);
    if (!live) return { ...host, status: "offline", pending_batches: 0 };
    const stored = host.last_seen ? Date.parse(host.last_seen) : 0;
    const seen = Math.max(stored, live.lastSeen ?? 0);
    return {
      ...host,
      status: live.status,
      last_seen: seen ? new Date(seen).toISOString() : null,
      pending_batches: live.pendingBatches,
    };
  }
}
