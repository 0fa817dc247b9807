/**
 * Which agents run which checks, and the checks as desired-state items.
 * Named hosts and a tag are what they say; "any N" picks N online hosts by
 * rendezvous hashing on (check, host), so the choice is stable, spreads
 * checks over the fleet, and when a chosen host goes away only its place is
 * chosen again. Each host's assigned checks are kept beside its desired
 * state (hub/control/desired.ts), so a change reaches an agent as a diff.
 */
import type { CheckDef } from "../../lib/probes/check.ts";
import { hostPort } from "../../lib/probes/check.ts";
import type { CheckItem } from "../control/desired.ts";

export interface AssignableHost {
  id: string;
  tags: string[];
  online: boolean;
  registered: boolean;
}

/** The hosts that run `def`, in a stable order. */
export function assignedHosts(def: CheckDef, hosts: AssignableHost[]): string[] {
  if (def.type === "push") return [];
  const usable = hosts.filter((h) => h.registered);
  const on = def.runs_on;
  if ("hosts" in on) {
    const ids = new Set(on.hosts);
    return usable.filter((h) => ids.has(h.id)).map((h) => h.id).sort();
  }
  if ("tag" in on) return usable.filter((h) => h.tags.includes(on.tag)).map((h) => h.id).sort();
  return usable.filter((h) => h.online)
    .map((h) => ({ id: h.id, score: score(`${def.id}\0${h.id}`) }))
    .sort((a, b) => a.score - b.score || a.id.localeCompare(b.id))
    .slice(0, on.any)
    .map((h) => h.id)
    .sort();
}

/** FNV-1a, 32 bits: a stable spread, not a secret. */
function score(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** What an agent is sent to run `def` (protobuf-es's init shape of DesiredItem.check). */
export function checkItem(def: CheckDef): CheckItem {
  const e = def.expect;
  const base = { id: def.id, intervalS: def.interval_s, timeoutS: def.timeout_s };
  const hp = hostPort(def.target);
  const spec = ((): CheckItem["value"]["value"]["spec"] => {
    switch (def.type) {
      case "http":
        return {
          case: "http",
          value: {
            url: def.target,
            method: e.method ?? "",
            headers: Object.entries(e.headers ?? {}).map(([name, value]) => ({ name, value })),
            expectStatus: e.status ?? 0,
            keyword: e.keyword ?? "",
            jsonPath: e.json_path ?? "",
            jsonEquals: e.json_equals ?? "",
            followRedirects: e.follow_redirects ?? false,
          },
        };
      case "tls":
        return {
          case: "tls",
          value: {
            host: hp!.host,
            port: hp!.port,
            serverName: "",
            minDaysLeft: e.min_days_left ?? 0,
          },
        };
      case "tcp":
        return { case: "tcp", value: { host: hp!.host, port: hp!.port } };
      case "dns": {
        const r = e.resolver ? hostPort(e.resolver) : null;
        return {
          case: "dns",
          value: {
            name: def.target,
            recordType: e.record_type ?? "A",
            expect: e.answer ?? "",
            resolver: r ? r.host : e.resolver ?? "",
            resolverPort: r ? r.port : 0,
          },
        };
      }
      case "ping":
        return { case: "ping", value: { host: def.target, count: e.count ?? 0 } };
      case "push":
        throw new Error("a push check runs on no agent");
    }
  })();
  return { key: `check:${def.id}`, value: { case: "check", value: { ...base, spec } } };
}

/** A short fingerprint of what an agent is sent for a check: a changed one is pushed again. */
export function fingerprint(def: CheckDef): string {
  return score(JSON.stringify(checkItem(def))).toString(36);
}
