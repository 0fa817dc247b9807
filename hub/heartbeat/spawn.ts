/** Starts the heartbeat worker and relays what it reports to the main thread. */
import type { HubConfig } from "../config.ts";
import type { FromHeartbeat, ToHeartbeat } from "../messages.ts";
import { type HubWorker, startWorker } from "../worker.ts";

/** The running heartbeat worker. */
export type HeartbeatWorker = HubWorker<ToHeartbeat>;

/** Starts the worker; rejects with its reason when it cannot start. */
export function startHeartbeat(
  config: HubConfig,
  onMessage: (m: FromHeartbeat) => void,
  onFatal: (message: string) => void,
): Promise<HeartbeatWorker> {
  return startWorker<ToHeartbeat, FromHeartbeat>(
    new URL("./worker.ts", import.meta.url),
    "heartbeat",
    config,
    onMessage,
    onFatal,
  );
}
