/**
 * The browser's one SSE subscription per page, shared by islands: the
 * dashboard is pushed to, never polled. EventSource reconnects by itself.
 */

type Handler = (data: Record<string, unknown>) => void;

const handlers = new Map<string, Set<Handler>>();
let source: EventSource | null = null;

function ensure(query: string): void {
  if (source) return;
  source = new EventSource(`/api/v1/events${query}`);
  for (const event of ["host.status", "host.metrics"]) {
    source.addEventListener(event, (e) => {
      const data = JSON.parse((e as MessageEvent).data);
      for (const h of handlers.get(event) ?? []) h(data);
    });
  }
}

/** Calls `handler` for every `event` pushed; returns a function that stops it. */
export function onLive(
  event: "host.status" | "host.metrics",
  handler: Handler,
  hostId?: string,
): () => void {
  ensure(hostId ? `?host=${encodeURIComponent(hostId)}` : "");
  let set = handlers.get(event);
  if (!set) handlers.set(event, set = new Set());
  set.add(handler);
  return () => set!.delete(handler);
}
