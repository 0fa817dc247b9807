/** Starts the heartbeat worker and relays what it reports to the main thread. */
import type { HubConfig } from "../config.ts";
import type { FromHeartbeat, ToHeartbeat } from "../messages.ts";

/** The running heartbeat worker. */
export interface HeartbeatWorker {
  send(m: ToHeartbeat): void;
  /** Flushes status to the store and stops the worker. */
  shutdown(): Promise<void>;
}

/** Starts the worker; rejects with its reason when it cannot start. */
export async function startHeartbeat(
  config: HubConfig,
  onMessage: (m: FromHeartbeat) => void,
  onFatal: (message: string) => void,
): Promise<HeartbeatWorker> {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), {
    type: "module",
    name: "heartbeat",
  });
  const waiters = new Map<string, (m: FromHeartbeat) => void>();
  worker.onmessage = (e: MessageEvent<FromHeartbeat>) => {
    waiters.get(e.data.type)?.(e.data);
    waiters.delete(e.data.type);
    onMessage(e.data);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    onFatal(e.message);
  };
  const until = (...types: FromHeartbeat["type"][]) =>
    new Promise<FromHeartbeat>((resolve) => types.forEach((t) => waiters.set(t, resolve)));
  const send = (m: ToHeartbeat) => worker.postMessage(m);

  const started = until("ready", "failed");
  send({ type: "init", config });
  const first = await started;
  if (first.type === "failed") {
    worker.terminate();
    throw new Error(`Cannot start heartbeat worker: ${first.message}`);
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
