/** What route handlers get from the hub: the store, the broker, live status and events. */
import type { CheckStatus } from "../../lib/probes/judge.ts";
import type { Store } from "../store/store.ts";
import type { User } from "../store/auth/types.ts";
import type { Broker } from "../live/broker.ts";
import type { LiveEvents } from "../live/events.ts";
import type { StatusMirror } from "./status_mirror.ts";
import type { LoginGuard } from "../auth/rate_limit.ts";
import type { Layout } from "./render.tsx";
import type { Retention } from "../store/tiers.ts";
import type { AgentAnswer, AgentRequest } from "../control/types.ts";
import type { Sealer } from "../notify/sealed.ts";
import type { Outbound } from "../notify/outbound.ts";
import type { ChangeSource } from "../changes/sources.ts";

/** Shared by every route; built once in main.ts (or in a test). */
export interface AppDeps {
  store: Store;
  broker: Broker;
  status: StatusMirror;
  /** Publishes what routes change (hosts added, changed, removed) to browsers and other hubs. */
  live: LiveEvents;
  /** How long each tier of metric history is kept; range queries pick tiers by it. */
  retention?: Retention;
  /** Milliseconds between SSE keep-alive comments. */
  keepAliveMs?: number;
  /** Sign-in failures allowed per IP and per user name. */
  loginGuard?: LoginGuard;
  /** Tells the ingest process a host was removed (closes its streams). */
  hostRemoved?: (hostId: string) => void;
  /** The gRPC address agents should be told to dial, `host:port`. */
  agentAddress?: (requestHost: string) => string;
  /** The control channel to agents (main.ts wires it to the ingest process). */
  agents?: AgentControl;
  /** The alert engine, told of what users change (hub/alerts/engine.ts). */
  alerts?: AlertSignals;
  /** Seals and opens notification channels' secrets (main.ts: from the hub secret). */
  sealer?: Sealer;
  /** The way notifications reach out (the destination policy). */
  outbound?: Outbound;
  /** The dashboard's public address, for links (SIGHTLINE_PUBLIC_URL). */
  publicUrl?: string | null;
  /** The probe engine and assigner, told of what users change (hub/probes/). */
  probes?: ProbeSignals;
  /** Where a host's changes come from (default: every source on the store, hub/changes/sources.ts). */
  changeSources?: ChangeSource[];
}

/** What the check use cases tell the probe engine and assigner, and what the API reads of them. */
export interface ProbeSignals {
  /** Checks were added, changed or removed: judge afresh and push them to the agents. */
  changed(): Promise<void>;
  /** A push check was called (its secret checked): record it and judge it now. */
  pushed(checkId: string): Promise<void>;
  /** The judged status of a check now, when this hub judges it. */
  status(checkId: string): CheckStatus | undefined;
}

/** What the alert use cases tell the engine (of this hub and, through the cluster, the others'). */
export interface AlertSignals {
  /** Rules, mutes or channels changed (no host), or one host's alerts (acknowledged). */
  changed(hostId?: string): void;
  /** What mutes an alert now, or null. */
  muteReason(a: { rule_id: string; host_id: string | null }): string | null;
}

/** What routes may ask of connected agents. */
export interface AgentControl {
  /** Asks the host's agent; resolves with its answer or why there is none. */
  ask(hostId: string, request: AgentRequest): Promise<AgentAnswer>;
  /** The host's desired state changed in the store: push it to its agent, on whichever hub. */
  desiredChanged(hostId: string): void;
}

/** Per-request values set by middleware. */
export type AppEnv = {
  Variables: {
    /** The signed-in dashboard user, or null. */
    user: User | null;
    /** The API key used, when the request came with one. */
    apiKey: { id: string; name: string } | null;
    /** The page shell (routes/_app.tsx), set by the app for every request. */
    layout: Layout;
  };
};
