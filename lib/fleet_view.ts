/**
 * What the fleet page shows — search, status filter, tag, sort — as URL
 * query parameters, so a view survives a reload and can be shared. Parsed
 * the same way by the server (the first render) and the island (hydration),
 * so both draw the same page; anything unknown falls back to the default.
 */

/** The columns the fleet sorts by. */
export const SORT_KEYS = [
  "name",
  "status",
  "cpu_percent",
  "mem",
  "disk_used_percent",
  "net",
  "uptime_s",
] as const;
export type SortKey = typeof SORT_KEYS[number];

/** Which hosts the fleet shows: waiting ones are those whose agent never connected. */
export const STATUS_FILTERS = ["all", "online", "offline", "waiting"] as const;
export type StatusFilter = typeof STATUS_FILTERS[number];

/** One view of the fleet. */
export interface FleetView {
  q: string;
  status: StatusFilter;
  tag: string;
  sort: SortKey;
  desc: boolean;
}

export const DEFAULT_VIEW: FleetView = { q: "", status: "all", tag: "", sort: "name", desc: false };

const oneOf = <T extends string>(list: readonly T[], v: string | null, fallback: T): T =>
  list.includes(v as T) ? v as T : fallback;

/** The view a query string asks for. */
export function parseView(params: URLSearchParams): FleetView {
  return {
    q: (params.get("q") ?? "").slice(0, 200),
    status: oneOf(STATUS_FILTERS, params.get("status"), "all"),
    tag: (params.get("tag") ?? "").slice(0, 32),
    sort: oneOf(SORT_KEYS, params.get("sort"), "name"),
    desc: params.get("desc") === "1",
  };
}

/** The query string for a view ("" for the default), defaults left out. */
export function viewQuery(v: FleetView): string {
  const p = new URLSearchParams();
  if (v.q) p.set("q", v.q);
  if (v.status !== "all") p.set("status", v.status);
  if (v.tag) p.set("tag", v.tag);
  if (v.sort !== "name") p.set("sort", v.sort);
  if (v.desc) p.set("desc", "1");
  const s = p.toString();
  return s ? `?${s}` : "";
}
