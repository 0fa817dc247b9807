/**
 * Starts one of the hub's workers (heartbeat, history): sends it `init`,
 * waits for `ready` or `failed`, relays what it reports, and stops it with
 * `shutdown` once it answers `stopped`.
 */
import type { HubConfig } from "./config.ts";

/** What every worker answers, besides its own reports. */
type Lifecycle = { type: "ready" } | { type: "failed"; message: string } | { type: "stopped" };

/** A running worker. */
export interface HubWorker<To> {
  send(m: To): void;
  /** Asks the worker to finish its work and stops it. */
  shutdown(): Promise<void>;
}

/** Starts the worker module at `url`; rejects with its reason when it cannot start. */
export async function startWorker<To extends { type: string }, From extends { type: string }>(
  url: URL,
  name: string,
  config: HubConfig,
  onMessage: (m: From) => void,
  onFatal: (message: string) => void,
  /** More for the worker's init message, beside the config. */
  init: Record<string, unknown> = {},
): Promise<HubWorker<To | { type: "init"; config: HubConfig } | { type: "shutdown" }>> {
  const worker = new Worker(url, { type: "module", name });
  const waiters = new Map<string, (m: From | Lifecycle) => void>();
  worker.onmessage = (e: MessageEvent<From>) => {
    waiters.get(e.data.type)?.(e.data);
    waiters.delete(e.data.type);
    onMessage(e.data);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    onFatal(e.message);
  };
  const until = (...types: Lifecycle["type"][]) =>
    new Promise<From | Lifecycle>((resolve) => types.forEach((t) => waiters.set(t, resolve)));
  const send = (m: To | { type: "init"; config: HubConfig } | { type: "shutdown" }) =>
    worker.postMessage(m);

  const started = until("ready", "failed");
  send({ ...init, type: "init", config });
  const first = await started;
  if (first.type === "failed") {
    worker.terminate();
    throw new Error(`Cannot start ${name} worker: ${(first as { message: string }).message}`);
  }
  return {
    send,
    async shutdown() {
      const stopped = until("stopped");
      send({ type: "shutdown" });
      await stopped;
      worker.terminate();
    },
  };
}
