/** What the alert pages read alike: rules as the islands show them, and host names. */
import type { Store } from "../../hub/store/store.ts";
import type { RuleInfo } from "../../islands/alert_parts.tsx";
import { metric } from "../../lib/metrics.ts";

/** Past this many hosts a page names only the hosts of the alerts it lists. */
const MAX_HOST_NAMES = 500;

/** Every rule's name, comparison and its metric's unit, by id. */
export async function ruleInfo(store: Store): Promise<Record<string, RuleInfo>> {
  const out: Record<string, RuleInfo> = {};
  for (const r of await store.alerts.rules()) {
    out[r.id] = { name: r.name, op: r.op, unit: r.metric ? metric(r.metric)?.unit : undefined };
  }
  return out;
}

/**
 * Push checks' names by id: an alert on no host is named by its check, and one may fire
 * while the page is open (checks are few, and push checks fewer).
 */
export async function checkNames(store: Store): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of await store.probes.listChecks()) if (c.type === "push") out[c.id] = c.name;
  return out;
}

/** Host names by id: the whole fleet's when it is small, else those of `ids`. */
export async function hostNames(store: Store, ids: string[]): Promise<Record<string, string>> {
  const hosts = await store.hosts.list();
  const want = new Set(ids);
  const out: Record<string, string> = {};
  for (const h of hosts) {
    if (hosts.length <= MAX_HOST_NAMES || want.has(h.id)) out[h.id] = h.name;
  }
  return out;
}
