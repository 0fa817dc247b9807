/**
 * The main thread's view of host liveness, fed by the heartbeat worker's
 * status events (and, when hubs share a PostgreSQL database, by the other
 * hubs' events), so the API answers from memory what the database only learns
 * at the next sync. A host is online while any live hub says so: an agent
 * moving from one hub to another never flickers offline, and a dead hub's
 * hosts go offline when its presence expires.
 */
import type { Host } from "../store/store.ts";

/** Live status of one host as one hub last said. */
export interface LiveStatus {
  status: "online" | "offline";
  lastSeen: number | null;
  pendingBatches: number;
}

/** The id this process uses for its own hub. */
export const LOCAL_HUB = "local";

/** What a host's status became, when it changed. */
export interface AggregateChange {
  hostId: string;
  status: "online" | "offline";
  lastSeen: number | null;
}

/** Host id → hub id → live status. */
export class StatusMirror {
  #map = new Map<string, Map<string, LiveStatus>>();

  #aggregate(hostId: string): LiveStatus | null {
    const byHub = this.#map.get(hostId);
    if (!byHub || byHub.size === 0) return null;
    let online = false;
    let lastSeen: number | null = null;
    let pending = 0;
    for (const s of byHub.values()) {
      online ||= s.status === "online";
      if (s.lastSeen !== null) lastSeen = Math.max(lastSeen ?? 0, s.lastSeen);
      pending = Math.max(pending, s.pendingBatches);
    }
    return { status: online ? "online" : "offline", lastSeen, pendingBatches: pending };
  }

  /** Records what a hub said; returns the host's new overall status if it changed. */
  set(hostId: string, s: LiveStatus, hubId = LOCAL_HUB): AggregateChange | null {
    const before = this.#aggregate(hostId)?.status ?? "offline";
    let byHub = this.#map.get(hostId);
    if (!byHub) this.#map.set(hostId, byHub = new Map());
    byHub.set(hubId, s);
    const after = this.#aggregate(hostId)!;
    return after.status !== before
      ? { hostId, status: after.status, lastSeen: after.lastSeen }
      : null;
  }

  /** Forgets everything a hub said (it stopped or died); returns the hosts that went offline. */
  dropHub(hubId: string): AggregateChange[] {
    const changes: AggregateChange[] = [];
    for (const [hostId, byHub] of this.#map) {
      const s = byHub.get(hubId);
      if (!s) continue;
      const before = this.#aggregate(hostId)!.status;
      byHub.delete(hubId);
      const after = this.#aggregate(hostId);
      if (before === "online" && after?.status !== "online") {
        changes.push({
          hostId,
          status: "offline",
          lastSeen: Math.max(after?.lastSeen ?? 0, s.lastSeen ?? 0) || null,
        });
      }
    }
    return changes;
  }

  /** Forgets a removed host. */
  forget(hostId: string): void {
    this.#map.delete(hostId);
  }

  /** What one hub said about every host (this hub's own, to share with others). */
  snapshot(hubId = LOCAL_HUB): Array<{ hostId: string } & LiveStatus> {
    const out: Array<{ hostId: string } & LiveStatus> = [];
    for (const [hostId, byHub] of this.#map) {
      const s = byHub.get(hubId);
      if (s) out.push({ hostId, ...s });
    }
    return out;
  }

  /** The host with its live status laid over what the store had. */
  apply(host: Host): Host & { pending_batches: number } {
    const live = this.#aggregate(host.id);
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
