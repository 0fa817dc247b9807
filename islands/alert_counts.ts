/**
 * The fleet's firing-alert counts, shared by every island of a page (the
 * navigation's count, the fleet's badges): first as the server rendered
 * them, then read again from `GET /api/v1/alerts/counts` shortly after an
 * alert fires or resolves. Reading the counts, rather than adding events up,
 * keeps them right through escalations, events seen twice and storms (200
 * hosts firing at once make one read).
 */
import { useEffect, useState } from "preact/hooks";
import { onLive } from "./live.ts";
import type { FiringCounts } from "../lib/alerts/counts.ts";

/** How long events are gathered before the counts are read again. */
const SETTLE_MS = 250;

let current: FiringCounts | null = null;
const listeners = new Set<(c: FiringCounts) => void>();
let subscribed = false;
let timer: ReturnType<typeof setTimeout> | 0 = 0;
/** Numbers reads, so a slow answer never replaces a newer one. */
let reads = 0;

async function read(): Promise<void> {
  timer = 0;
  const n = ++reads;
  try {
    const res = await fetch("/api/v1/alerts/counts");
    if (!res.ok || n !== reads) return;
    const counts = (await res.json()) as FiringCounts;
    if (n !== reads) return;
    current = counts;
    for (const l of listeners) l(counts);
  } catch {
    // Offline for now: the next alert event reads them again.
  }
}

const soon = () => void (timer ||= setTimeout(read, SETTLE_MS));

/** The counts, live; `initial` is what the server rendered (null: read them now). */
export function useFiringCounts(initial: FiringCounts | null): FiringCounts | null {
  const [counts, setCounts] = useState(current ?? initial);
  useEffect(() => {
    listeners.add(setCounts);
    if (!subscribed) {
      subscribed = true;
      current ??= initial;
      onLive("alert.firing", soon);
      onLive("alert.resolved", soon);
      if (!current) soon();
    }
    return () => void listeners.delete(setCounts);
  }, []);
  return counts;
}
