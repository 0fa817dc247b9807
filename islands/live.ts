/**
 * The browser's one SSE subscription per page, shared by islands: the
 * dashboard is pushed to, never polled. EventSource reconnects by itself.
 * Events and their data are typed by lib/live_events.ts.
 */
import { LIVE_EVENT_NAMES, type LiveEventMap, type LiveEventName } from "../lib/live_events.ts";

// deno-lint-ignore no-explicit-any
type AnyHandler = (data: any) => void;

const handlers = new Map<LiveEventName, Set<AnyHandler>>();
let source: EventSource | null = null;

function ensure(query: string): void {
  if (source) return;
  source = new EventSource(`/api/v1/events${query}`);
  for (const event of LIVE_EVENT_NAMES) {
    source.addEventListener(event, (e) => {
      const data = JSON.parse((e as MessageEvent).data);
      for (const h of handlers.get(event) ?? []) h(data);
    });
  }
}

/** Calls `handler` for every `event` pushed; returns a function that stops it. */
export function onLive<K extends LiveEventName>(
  event: K,
  handler: (data: LiveEventMap[K]) => void,
  hostId?: string,
): () => void {
  ensure(hostId ? `?host=${encodeURIComponent(hostId)}` : "");
  let set = handlers.get(event);
  if (!set) handlers.set(event, set = new Set());
  set.add(handler);
  return () => set!.delete(handler);
}
