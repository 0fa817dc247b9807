/**
 * A host change as the REST API shows it (`GET /api/v1/hosts/:id/changes`)
 * and the host charts mark it, and how the charts gather changes that fall
 * on the same spot into one marker.
 */

/** One change: when (ISO), what kind ("reboot", "kernel", "package", …: open), in words, as values. */
export interface ChangeView {
  ts: string;
  kind: string;
  summary: string;
  details: Record<string, unknown>;
}

/** The kinds the hub itself records, in words for a marker's list. */
export const KIND_LABELS: Record<string, string> = {
  reboot: "Reboot",
  kernel: "Kernel",
  os: "OS",
  agent_version: "Agent upgrade",
  agent_restart: "Agent restart",
  agent_start: "Agent start",
  package: "Package",
  container: "Container",
};

/** A kind in words; one no label is known for is shown as it is. */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** Changes drawn as one marker, at the x of the first. */
export interface MarkerGroup<T> {
  x: number;
  changes: T[];
}

/**
 * Gathers changes (sorted by x) whose positions are within `gap` of the
 * group's first into one group, so a burst (a package upgrade of fifty
 * packages, a reboot and the agent's restart) is one marker listing them all.
 */
export function groupMarkers<T>(items: T[], x: (item: T) => number, gap: number): MarkerGroup<T>[] {
  const out: MarkerGroup<T>[] = [];
  for (const item of items) {
    const at = x(item);
    const last = out[out.length - 1];
    if (last && at - last.x <= gap) last.changes.push(item);
    else out.push({ x: at, changes: [item] });
  }
  return out;
}
