/**
 * GET /api/v1/events[?host=ID]: Server-Sent Events for the fleet or one
 * host (`host.status`, `host.metrics`). Keep-alive comments keep proxies from
 * closing an idle stream; the subscription ends when the client goes away.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppDeps } from "../../../hub/http/deps.ts";

/** Streams live events until the client disconnects. */
export function events({ broker, keepAliveMs = 15_000 }: AppDeps) {
  return (c: Context) => {
    const hostId = c.req.query("host")?.slice(0, 64) || null;
    return streamSSE(c, async (stream) => {
      const sub = broker.subscribe(hostId);
      stream.onAbort(sub.close);
      const keepAlive = setInterval(() => void stream.write(": keep-alive\n\n"), keepAliveMs);
      try {
        await stream.write(": connected\n\n");
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
