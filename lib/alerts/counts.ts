/**
 * The fleet's firing alerts counted, as `GET /api/v1/alerts/counts` answers
 * and the pages render them first: the navigation shows the total, the
 * fleet a badge per host (coloured by its worst severity).
 */
import type { Severity } from "./rules.ts";

/** How many alerts fire on one host, by severity. */
export interface FiringCount {
  warning: number;
  critical: number;
}

/**
 * Every host's count (hosts with none left out), the count of alerts on no
 * host (a push check's; absent when none fire), and their sum.
 */
export interface FiringCounts {
  firing: number;
  hosts: Record<string, FiringCount>;
  unhosted?: FiringCount;
}

/** The counts with their total, from the store's by host id ("" for alerts on no host). */
export function firingCounts(byHost: Record<string, FiringCount>): FiringCounts {
  let firing = 0;
  for (const c of Object.values(byHost)) firing += c.warning + c.critical;
  const { "": unhosted, ...hosts } = byHost;
  return unhosted ? { firing, hosts, unhosted } : { firing, hosts };
}

/** The worst severity among a host's firing alerts, or null when none fire. */
export function worst(c: FiringCount | undefined): Severity | null {
  return !c ? null : c.critical > 0 ? "critical" : c.warning > 0 ? "warning" : null;
}
