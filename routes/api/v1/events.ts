/**
 * GET /api/v1/events[?host=ID][&logs=1]: Server-Sent Events for the fleet or
 * one host (every event of lib/live_events.ts; alert events of every host on
 * both, see hub/live/broker.ts; `log.lines` only with logs=1, as a live tail
 * asks). Each connection starts with the
 * current status of its hosts, so a browser that reconnects (after a hub
 * restart, say) is right again at once. Keep-alive comments keep proxies from
 * closing an idle stream; the subscription ends when the client goes away.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppDeps } from "../../../hub/http/deps.ts";
import type { HostStatusData } from "../../../lib/live_events.ts";

/** Streams live events until the client disconnects. */
export function events({ broker, store, status, keepAliveMs = 15_000 }: AppDeps) {
  return (c: Context) => {
    const hostId = c.req.query("host")?.slice(0, 64) || null;
    const logs = c.req.query("logs") === "1";
    return streamSSE(c, async (stream) => {
      const sub = broker.subscribe(hostId, { logs });
      stream.onAbort(sub.close);
      const keepAlive = setInterval(() => void stream.write(": keep-alive\n\n"), keepAliveMs);
      try {
        await stream.write(": connected\n\n");
        // Subscribed first, snapshot second: a change in between is sent twice, never lost.
        const hosts = hostId
          ? [await store.hosts.get(hostId)].filter((h) => h !== null)
          : await store.hosts.list();
        for (const h of hosts) {
          const live = status.apply(h);
          const data: HostStatusData = {
            id: h.id,
            status: live.status,
            last_seen: live.last_seen,
            registered: h.registered,
          };
          await stream.writeSSE({ event: "host.status", data: JSON.stringify(data) });
        }
        for await (const e of sub.events) {
          if (stream.aborted || stream.closed) break;
          await stream.writeSSE({ event: e.event, id: String(e.id), data: JSON.stringify(e.data) });
        }
      } finally {
        clearInterval(keepAlive);
        sub.close();
      }
    });
  };
}
