/**
 * The fleet's packages, read: the search ("which hosts run openssl older than
 * 3.0.15?") and the fleet page's summary per package. The store finds the rows
 * by name; the version comparison is made here, in each ecosystem's order
 * (lib/packages/versions.ts), which no SQL collation knows.
 */
import type { Store } from "../store/store.ts";
import type { PackageHit } from "../store/packages/types.ts";
import { compareVersions, matches, type Op, OPS } from "../../lib/packages/versions.ts";

/** A checked search. */
export interface PackageQuery {
  name: string;
  manager?: string;
  op?: Op;
  version?: string;
}

export const QUERY_LIMITS = { name: 100, version: 128 };
/** Rows a search considers at most: a name as broad as "lib" stops here, and says so. */
export const ROW_LIMIT = 50_000;
const MANAGER = /^[a-z][a-z0-9_-]{0,15}$/;

/** The query, or the field that is wrong and why. */
export type QueryCheck =
  | { ok: true; query: PackageQuery }
  | { ok: false; field: string; problem: string };

/** Checks `?name=&manager=&op=&version=`; `name` may be empty only where `emptyName` allows. */
export function checkQuery(q: Record<string, string | undefined>, emptyName = false): QueryCheck {
  const name = (q.name ?? "").trim();
  if (!name && !emptyName) return { ok: false, field: "name", problem: "name is required" };
  if (name.length > QUERY_LIMITS.name) {
    return { ok: false, field: "name", problem: `name is longer than ${QUERY_LIMITS.name}` };
  }
  const manager = q.manager || undefined;
  if (manager !== undefined && !MANAGER.test(manager)) {
    return { ok: false, field: "manager", problem: "manager is not a package manager's name" };
  }
  const op = q.op || undefined;
  const version = (q.version ?? "").trim() || undefined;
  if (op !== undefined && !OPS.includes(op as Op)) {
    return { ok: false, field: "op", problem: `op must be one of ${OPS.join(", ")}` };
  }
  if (op && !version) return { ok: false, field: "version", problem: `op ${op} needs a version` };
  if (version && !op) return { ok: false, field: "op", problem: "a version needs an op" };
  if (version && version.length > QUERY_LIMITS.version) {
    return {
      ok: false,
      field: "version",
      problem: `version is longer than ${QUERY_LIMITS.version}`,
    };
  }
  return { ok: true, query: { name, manager, op: op as Op | undefined, version } };
}

/** The rows of a search, host by host, and whether the row limit cut it short. */
export async function searchPackages(
  store: Store,
  q: PackageQuery,
): Promise<{ hits: PackageHit[]; truncated: boolean }> {
  const rows = q.name
    ? await store.packages.search({ name: q.name, manager: q.manager, limit: ROW_LIMIT })
    : (await store.packages.pending(ROW_LIMIT)).filter((h) =>
      !q.manager || h.manager === q.manager
    );
  const hits = q.op ? rows.filter((h) => matches(h.manager, h.version, q.op!, q.version!)) : rows;
  hits.sort((a, b) =>
    a.name.localeCompare(b.name) || a.manager.localeCompare(b.manager) ||
    a.host.name.localeCompare(b.host.name) || a.host.id.localeCompare(b.host.id)
  );
  return { hits, truncated: rows.length >= ROW_LIMIT };
}

/** One line of the fleet page: a package across the hosts that have it. */
export interface PackageSummary {
  manager: string;
  name: string;
  hosts: number;
  /** Distinct versions, oldest first in the manager's order. */
  versions: string[];
  /** Hosts with a newer candidate pending. */
  updates: number;
}

/** The hits grouped per (manager, name), the most widespread first. */
export function summarize(hits: PackageHit[]): PackageSummary[] {
  const by = new Map<string, { s: PackageSummary; hosts: Set<string>; versions: Set<string> }>();
  for (const h of hits) {
    const k = `${h.manager}\u0000${h.name}`;
    let g = by.get(k);
    if (!g) {
      g = {
        s: { manager: h.manager, name: h.name, hosts: 0, versions: [], updates: 0 },
        hosts: new Set(),
        versions: new Set(),
      };
      by.set(k, g);
    }
    g.hosts.add(h.host.id);
    g.versions.add(h.version);
    if (h.update_version) g.s.updates++;
  }
  return [...by.values()].map(({ s, hosts, versions }) => ({
    ...s,
    hosts: hosts.size,
    versions: [...versions].sort((a, b) => compareVersions(s.manager, a, b)),
  })).sort((a, b) => b.hosts - a.hosts || a.name.localeCompare(b.name));
}

/** Packages the fleet page lists at most (the hosts of one package are never cut). */
export const PAGE_ROWS = 500;

/**
 * What the fleet Packages page shows for a query as the URL gives it: the
 * server renders it first, and its island reads it again from
 * `/api/v1/packages/summary` when an inventory changes, so both are one.
 */
export interface FleetPackagesView {
  /** The query's fields as given, for the form. */
  form: { name: string; manager: string; op: string; version: string };
  /** What is wrong with the query, if anything (then nothing is listed). */
  invalid: { field: string; problem: string } | null;
  /** The first {@link PAGE_ROWS} packages. */
  summary: PackageSummary[];
  /** How many more matched. */
  more: number;
  /** Hosts with a package listed. */
  hosts: number;
  truncated: boolean;
  /** `pkg=manager/name`: the package whose hosts are listed. */
  open: string;
  openHits: PackageHit[];
}

export async function fleetPackagesView(
  store: Store,
  raw: Record<string, string | undefined>,
): Promise<FleetPackagesView> {
  const checked = checkQuery(raw, true);
  const form = {
    name: (checked.ok ? checked.query.name : (raw.name ?? "")).slice(0, QUERY_LIMITS.name),
    manager: (raw.manager ?? "").slice(0, 16),
    op: (raw.op ?? "").slice(0, 2),
    version: (raw.version ?? "").slice(0, QUERY_LIMITS.version),
  };
  const open = (raw.pkg ?? "").slice(0, 300);
  if (!checked.ok) {
    return {
      form,
      invalid: { field: checked.field, problem: checked.problem },
      summary: [],
      more: 0,
      hosts: 0,
      truncated: false,
      open,
      openHits: [],
    };
  }
  const { hits, truncated } = await searchPackages(store, checked.query);
  const summary = summarize(hits);
  return {
    form,
    invalid: null,
    summary: summary.slice(0, PAGE_ROWS),
    more: Math.max(0, summary.length - PAGE_ROWS),
    hosts: new Set(hits.map((h) => h.host.id)).size,
    truncated,
    open,
    openHits: hits.filter((h) => `${h.manager}/${h.name}` === open),
  };
}
