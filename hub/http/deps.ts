/** What route handlers get from the hub: the store, the broker, live status. */
import type { Store } from "../store/store.ts";
import type { Broker } from "../live/broker.ts";
import type { StatusMirror } from "./status_mirror.ts";

/** Shared by every route; built once in main.ts (or in a test). */
export interface AppDeps {
  store: Store;
  broker: Broker;
  status: StatusMirror;
  /** Milliseconds between SSE keep-alive comments. */
  keepAliveMs?: number;
}
