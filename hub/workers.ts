/**
 * Starts the hub's two workers, links them with a MessageChannel and relays
 * what they report to the main thread's handlers.
 */
import type { HubConfig } from "./config.ts";
import type { FromHeartbeat, FromIngest, ToWorker } from "./messages.ts";

/** The running workers and how to stop them in order. */
export interface Workers {
  grpcPort: number;
  shutdown(): Promise<void>;
}

function spawn<T extends { type: string }>(
  path: string,
  name: string,
  onMessage: (m: T) => void,
  onFatal: (worker: string, message: string) => void,
) {
  const worker = new Worker(new URL(path, import.meta.url), { type: "module", name });
  const waiters = new Map<string, (m: T) => void>();
  worker.onmessage = (e: MessageEvent<T>) => {
    const waiter = waiters.get(e.data.type);
    if (waiter) {
      waiters.delete(e.data.type);
      waiter(e.data);
    }
    onMessage(e.data);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    onFatal(name, e.message);
  };
  const until = (...types: string[]) =>
    new Promise<T>((resolve) => types.forEach((t) => waiters.set(t, resolve)));
  return {
    worker,
    until,
    send: (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer),
  };
}

/** Starts heartbeat then ingest; rejects with the worker's reason if either fails. */
export async function startWorkers(
  config: HubConfig,
  handlers: {
    ingest: (m: FromIngest) => void;
    heartbeat: (m: FromHeartbeat) => void;
    /** A worker died of an uncaught error. */
    fatal: (worker: string, message: string) => void;
  },
): Promise<Workers> {
  const channel = new MessageChannel();
  const heartbeat = spawn<FromHeartbeat>(
    "./heartbeat/worker.ts",
    "heartbeat",
    handlers.heartbeat,
    handlers.fatal,
  );
  const ingest = spawn<FromIngest>("./ingest/worker.ts", "ingest", handlers.ingest, handlers.fatal);

  const hbReady = heartbeat.until("ready", "failed");
  heartbeat.send({ type: "init", config, port: channel.port2 }, [channel.port2]);
  const hb = await hbReady;
  if (hb.type === "failed") {
    heartbeat.worker.terminate();
    ingest.worker.terminate();
    throw new Error(`Cannot start heartbeat worker: ${hb.message}`);
  }
  const inReady = ingest.until("ready", "failed");
  ingest.send({ type: "init", config, port: channel.port1 }, [channel.port1]);
  const ready = await inReady;
  if (ready.type !== "ready") {
    heartbeat.worker.terminate();
    ingest.worker.terminate();
    throw new Error(
      `Cannot start ingest worker: ${ready.type === "failed" ? ready.message : ready.type}`,
    );
  }

  return {
    grpcPort: ready.grpcPort,
    async shutdown() {
      // Ingest first: its streams' last batches are committed and their
      // disconnects reach the heartbeat worker before it flushes status.
      const inStopped = ingest.until("stopped");
      ingest.send({ type: "shutdown" });
      await inStopped;
      ingest.worker.terminate();
      const hbStopped = heartbeat.until("stopped");
      heartbeat.send({ type: "shutdown" });
      await hbStopped;
      heartbeat.worker.terminate();
    },
  };
}
