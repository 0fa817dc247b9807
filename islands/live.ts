/**
 * The browser's one SSE subscription per page, shared by islands: the
 * dashboard is pushed to, never polled. EventSource reconnects by itself.
 * Events and their data are typed by lib/live_events.ts.
 *
 * A page whose islands all watch one host streams only that host (a host
 * page's charts take every point); alert events come for the whole fleet on
 * either stream (hub/live/broker.ts), so the navigation's alert count never
 * widens it. The stream opens once the islands that subscribe together have
 * (a microtask later); a later island that needs more widens it to the
 * fleet, the old stream closing only once the new one is open. Log lines
 * come only once an island listens for them (a live tail switched on).
 */
import { LIVE_EVENT_NAMES, type LiveEventMap, type LiveEventName } from "../lib/live_events.ts";

// deno-lint-ignore no-explicit-any
type AnyHandler = (data: any) => void;

const handlers = new Map<LiveEventName, Set<AnyHandler>>();
let source: EventSource | null = null;
/** The host the open stream is limited to ("" for the fleet). */
let openScope: string | null = null;
/** What the subscriptions so far need: undefined for alerts only, "" for the fleet, or one host. */
let wanted: string | undefined;
/** Whether the open stream carries log lines, and whether an island wants them (a live tail). */
let openLogs = false;
let wantLogs = false;
let scheduled = false;

function dispatch(event: LiveEventName) {
  return (e: Event) => {
    const data = JSON.parse((e as MessageEvent).data);
    for (const h of handlers.get(event) ?? []) h(data);
  };
}

function open(): void {
  scheduled = false;
  // A stream opened for the fleet stays the fleet's; log lines, once asked for, stay.
  const scope = openScope === "" ? "" : wanted ?? openScope ?? "";
  const logs = wantLogs || openLogs;
  if (source && openScope === scope && openLogs === logs) return;
  const old = source;
  const query = new URLSearchParams();
  if (scope) query.set("host", scope);
  if (logs) query.set("logs", "1");
  const next = new EventSource(`/api/v1/events${query.size ? `?${query}` : ""}`);
  for (const event of LIVE_EVENT_NAMES) next.addEventListener(event, dispatch(event));
  // Events of the moment in between come twice, never not at all; handlers are idempotent.
  if (old) next.addEventListener("open", () => old.close(), { once: true });
  source = next;
  openScope = scope;
  openLogs = logs;
}

/** Calls `handler` for every `event` pushed; returns a function that stops it. */
export function onLive<K extends LiveEventName>(
  event: K,
  handler: (data: LiveEventMap[K]) => void,
  hostId?: string,
): () => void {
  const needs = hostId ?? (event.startsWith("alert.") ? undefined : "");
  if (needs !== undefined) wanted = wanted === undefined || wanted === needs ? needs : "";
  if (event === "log.lines") wantLogs = true;
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(open);
  }
  let set = handlers.get(event);
  if (!set) handlers.set(event, set = new Set());
  set.add(handler);
  return () => set!.delete(handler);
}
