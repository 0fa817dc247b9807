/**
 * The heartbeat worker: keeps the HeartbeatCache, sweeps it every second for
 * hosts that went quiet, tells the main thread about every status change and
 * flushes status to the store every few minutes and on shutdown.
 */
/// <reference lib="deno.worker" />
import { match } from "ts-pattern";
import { logger } from "../../lib/log.ts";
import { openStore } from "../store/open.ts";
import type { Store } from "../store/store.ts";
import type { FromHeartbeat, ToHeartbeat } from "../messages.ts";
import { HeartbeatCache, type StatusChange } from "./cache.ts";

const log = logger("heartbeat");
const post = (m: FromHeartbeat) => self.postMessage(m);
const cache = new HeartbeatCache();
let store: Store | null = null;
let timers: ReturnType<typeof setInterval>[] = [];

function publish(change: StatusChange | null) {
  if (change) post({ type: "host.status", ...change });
}

async function sync() {
  if (!store) return;
  const updates = cache.takeDirty();
  try {
    await store.hosts.syncStatus(updates);
  } catch (err) {
    cache.markDirty(updates.map((u) => u.id));
    log.warn("Cannot sync host status", { error: err });
  }
}

self.onmessage = (e: MessageEvent<ToHeartbeat>) => {
  match(e.data)
    .with(
      { type: "agent.connected" },
      (e) => publish(cache.connected(e.hostId, e.streamId, e.at, e.info.dropped_batches)),
    )
    .with(
      { type: "agent.heartbeat" },
      (e) =>
        publish(cache.heartbeat(e.hostId, e.streamId, e.at, e.droppedBatches, e.pendingBatches)),
    )
    .with({ type: "agent.disconnected" }, (e) => publish(cache.disconnected(e.hostId, e.streamId)))
    // The streams died with the old process; agents reconnect, or the sweep notices.
    .with({ type: "ingest.restarted" }, () => cache.dropStreams())
    .with({ type: "init" }, async ({ config }) => {
      try {
        store = openStore(config.databaseUrl, { pool: config.dbPool });
        cache.load((await store.hosts.list()).map((h) => ({
          id: h.id,
          status: h.status,
          lastSeenMs: h.last_seen ? Date.parse(h.last_seen) : null,
          droppedBatches: h.dropped_batches,
        })));
        await sync();
        for (const s of cache.snapshot()) publish(s);
        timers = [
          setInterval(() => {
            for (const c of cache.sweep(Date.now(), config.offlineAfterS * 1000)) publish(c);
          }, 1000),
          setInterval(sync, config.statusSyncS * 1000),
        ];
        post({ type: "ready" });
      } catch (err) {
        post({ type: "failed", message: (err as Error).message });
      }
    })
    .with({ type: "shutdown" }, async () => {
      timers.forEach(clearInterval);
      await sync();
      await store?.close();
      post({ type: "stopped" });
    })
    .exhaustive();
};
