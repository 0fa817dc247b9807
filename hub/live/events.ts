/**
 * Routes live events to browsers: this hub's own (from its workers and its
 * routes) and, in a cluster, the other hubs'. Status goes through the
 * StatusMirror, so browsers hear a host.status only when the host's overall
 * status changed; every other event is passed on as it is.
 */
import { Broker } from "./broker.ts";
import type {
  CheckStatusData,
  FleetRow,
  HostChangedData,
  HostMetricsData,
  HostPackagesData,
  LiveEvent,
  LogLinesData,
} from "../../lib/live_events.ts";
import type { Cluster, ClusterMessage } from "./cluster.ts";
import type { AlertView } from "../../lib/alerts/view.ts";

type AlertEventName = Extract<LiveEvent["event"], `alert.${string}`>;
import {
  type AggregateChange,
  type LiveStatus,
  LOCAL_HUB,
  StatusMirror,
} from "../http/status_mirror.ts";

/** A hub's live parts over one broker and status mirror (a cluster is joined later, in main.ts). */
export function liveParts(): { broker: Broker; status: StatusMirror; live: LiveEvents } {
  const broker = new Broker();
  const status = new StatusMirror();
  return { broker, status, live: new LiveEvents(broker, status) };
}

/** One hub's live event routing. */
export class LiveEvents {
  cluster: Cluster | null = null;
  /** Hears every event browsers hear (this hub's and the cluster's), and every status change. */
  readonly observers: Array<(e: LiveEvent) => void> = [];

  constructor(private broker: Broker, private status: StatusMirror) {}

  #announce(change: AggregateChange | null) {
    if (!change) return;
    this.#publish({
      event: "host.status",
      hostId: change.hostId,
      data: {
        id: change.hostId,
        status: change.status,
        last_seen: change.lastSeen ? new Date(change.lastSeen).toISOString() : null,
      },
    });
  }

  #publish(e: LiveEvent): void {
    this.broker.publish(e);
    for (const o of this.observers) o(e);
  }

  /** An alert changed here (the engine, a user acknowledging it). */
  alert<K extends AlertEventName>(event: K, data: AlertView): void {
    this.#local({ event, hostId: data.host_id, data } as LiveEvent);
  }

  /** A check's status changed, judged here. */
  check(data: CheckStatusData): void {
    this.#local({ event: "check.status", hostId: `check:${data.id}`, data });
  }

  /** This hub's heartbeat worker saw a status change. */
  localStatus(hostId: string, s: LiveStatus): void {
    this.#announce(this.status.set(hostId, s, LOCAL_HUB));
    this.cluster?.publish({ type: "host.status", hostId, ...s });
  }

  /** This hub stored a batch. */
  localMetrics(data: HostMetricsData): void {
    this.#local({ event: "host.metrics", hostId: data.id, data });
  }

  /** This hub stored a package batch. */
  localPackages(data: HostPackagesData): void {
    this.#local({ event: "host.packages", hostId: data.id, data });
  }

  /** This hub stored a log batch. */
  localLogs(data: LogLinesData): void {
    // Not relayed to the other hubs of a cluster: a batch's lines run past what one
    // PostgreSQL NOTIFY carries (8,000 bytes), and at thousands of lines a second they
    // would be most of the channel's traffic. A live tail shows the agents streaming to the
    // hub it is served by; the search reads every hub's lines from the database.
    this.#publish({ event: "log.lines", hostId: data.id, data });
  }

  /** A host was added here (a user created its token). */
  hostAdded(row: FleetRow): void {
    this.#local({ event: "host.added", hostId: row.id, data: row });
  }

  /** A user renamed or retagged a host here. */
  hostChanged(data: HostChangedData): void {
    this.#local({ event: "host.changed", hostId: data.id, data });
  }

  /** A user removed a host here. */
  hostRemoved(id: string): void {
    this.status.forget(id);
    this.#local({ event: "host.removed", hostId: id, data: { id } });
  }

  #local(event: LiveEvent): void {
    this.#publish(event);
    this.cluster?.publish({ type: "live", event });
  }

  /** Another hub said something. */
  fromCluster(
    m: Exclude<
      ClusterMessage,
      { type: "host.desired" | "alerts.changed" | "checks.changed" | "checks.rounds" }
    >,
  ): void {
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
      case "live":
        if (m.event.event === "host.removed") this.status.forget(m.event.hostId);
        this.#publish(m.event);
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
