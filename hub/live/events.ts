/**
 * Routes live events to browsers: this hub's own (from its workers) and, in
 * a cluster, the other hubs'. Status goes through the StatusMirror, so
 * browsers hear a host.status only when the host's overall status changed.
 */
import type { Broker } from "./broker.ts";
import type { Cluster, ClusterMessage } from "./cluster.ts";
import {
  type AggregateChange,
  type LiveStatus,
  LOCAL_HUB,
  type StatusMirror,
} from "../http/status_mirror.ts";

/** One hub's live event routing. */
export class LiveEvents {
  cluster: Cluster | null = null;

  constructor(private broker: Broker, private status: StatusMirror) {}

  #announce(change: AggregateChange | null) {
    if (!change) return;
    this.broker.publish({
      event: "host.status",
      hostId: change.hostId,
      data: {
        id: change.hostId,
        status: change.status,
        last_seen: change.lastSeen ? new Date(change.lastSeen).toISOString() : null,
      },
    });
  }

  /** This hub's heartbeat worker saw a status change. */
  localStatus(hostId: string, s: LiveStatus): void {
    this.#announce(this.status.set(hostId, s, LOCAL_HUB));
    this.cluster?.publish({ type: "host.status", hostId, ...s });
  }

  /** This hub stored a batch. */
  localMetrics(hostId: string, data: Record<string, unknown>): void {
    this.broker.publish({ event: "host.metrics", hostId, data });
    this.cluster?.publish({ type: "host.metrics", hostId, data });
  }

  /** Another hub said something. */
  fromCluster(m: Exclude<ClusterMessage, { type: "host.desired" }>): void {
    switch (m.type) {
      case "host.status":
        this.#announce(
          this.status.set(m.hostId, {
            status: m.status,
            lastSeen: m.lastSeen,
            pendingBatches: m.pendingBatches,
          }, m.hub),
        );
        break;
      case "host.metrics":
        this.broker.publish({ event: "host.metrics", hostId: m.hostId, data: m.data });
        break;
      case "hub.hello":
        // A hub joined: tell it what this hub knows first-hand.
        for (const s of this.status.snapshot(LOCAL_HUB)) {
          const { hostId, ...rest } = s;
          this.cluster?.publish({ type: "host.status", hostId, ...rest });
        }
        break;
      case "hub.alive":
      case "hub.bye":
        break;
    }
  }

  /** Another hub stopped or went silent: its hosts are offline unless another hub has them. */
  peerGone(hubId: string): void {
    for (const change of this.status.dropHub(hubId)) this.#announce(change);
  }
}
