/**
 * Where a host's changes come from, merged into one timeline for the REST
 * API and the host charts: the hub's own (hub/store/changes: reboots, kernel,
 * OS, agent upgrades and restarts) and each capability's that keeps changes
 * of its own (package inventory: its deltas; containers: their events). A capability adds its source
 * to {@link changeSources}, one line.
 */
import type { Store } from "../store/store.ts";
import type { HostChange } from "../store/changes/types.ts";

/** One source: the host's changes with from <= ts < to, in any order, at most `limit`. */
export type ChangeSource = (
  hostId: string,
  from: number,
  to: number,
  limit: number,
) => Promise<HostChange[]>;

/** Every source of host changes on `store`. */
export function changeSources(store: Store): ChangeSource[] {
  return [
    (hostId, from, to, limit) => store.changes.list(hostId, { from, to, limit }),
    // Container events (issue 20): start, stop, die, oom, health.
    (hostId, from, to, limit) => store.containers.events(hostId, from, to, limit),
    // Package inventory deltas (issue 17): one entry a batch, listing what it changed.
    (hostId, from, to, limit) => store.packages.changes(hostId, from, to, limit),
  ];
}

/**
 * The sources' answers as one timeline, oldest first; when there are more
 * than `limit`, the newest `limit` (what a chart of a long range shows first),
 * and `truncated` says so.
 */
export async function mergeChanges(
  sources: ChangeSource[],
  hostId: string,
  from: number,
  to: number,
  limit: number,
): Promise<{ changes: HostChange[]; truncated: boolean }> {
  // One more than asked from each, to know whether anything was left out.
  const all = (await Promise.all(sources.map((s) => s(hostId, from, to, limit + 1)))).flat()
    .filter((c) => c.ts >= from && c.ts < to);
  // Stable: changes at one instant keep their source's order.
  all.sort((a, b) => a.ts - b.ts);
  const truncated = all.length > limit;
  return { changes: truncated ? all.slice(all.length - limit) : all, truncated };
}
