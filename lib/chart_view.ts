/**
 * What the host charts show, and how it is written in the page's URL so that
 * a reload or a shared link opens the same view: `?range=24h` for the last
 * 24 hours (follows now), `?from=ISO&to=ISO` for a fixed span (a zoom or a
 * custom range). The host page reads it on the server, so the first render
 * already shows the right range; the island writes it back as it changes.
 */

/** The last N seconds (follows now), or a fixed span in Unix ms. */
export type View = { last: number } | { from: number; to: number };

/** The preset ranges: URL key, button label, seconds. */
export const RANGES: ReadonlyArray<{ key: string; label: string; seconds: number }> = [
  { key: "15m", label: "15 min", seconds: 15 * 60 },
  { key: "1h", label: "1 h", seconds: 3600 },
  { key: "6h", label: "6 h", seconds: 6 * 3600 },
  { key: "24h", label: "24 h", seconds: 86400 },
  { key: "7d", label: "7 d", seconds: 7 * 86400 },
  { key: "30d", label: "30 d", seconds: 30 * 86400 },
  { key: "90d", label: "90 d", seconds: 90 * 86400 },
  { key: "1y", label: "1 y", seconds: 365 * 86400 },
];

/** The last hour, when the URL names no view. */
const DEFAULT_SECONDS = 3600;
export const DEFAULT_VIEW: View = { last: DEFAULT_SECONDS };

/** A fixed span is at least this long (zooming in stops there too). */
export const MIN_SPAN_MS = 60_000;

/** The [from, to) in ms a view covers at `now`. */
export function span(view: View, now: number): [number, number] {
  return "last" in view ? [now - view.last * 1000, now] : [view.from, view.to];
}

/**
 * The view a URL's query asks for; anything missing, unknown or malformed
 * (a range key no button has, a span shorter than a minute, a time that is
 * no time) gives the default view rather than an error page.
 */
export function viewFromQuery(q: URLSearchParams): View {
  const from = q.get("from");
  const to = q.get("to");
  if (from !== null && to !== null) {
    const f = parseTime(from);
    const t = parseTime(to);
    if (f !== null && t !== null && t - f >= MIN_SPAN_MS) return { from: f, to: t };
    return DEFAULT_VIEW;
  }
  const preset = RANGES.find((r) => r.key === q.get("range"));
  return preset ? { last: preset.seconds } : DEFAULT_VIEW;
}

/** An ISO time (what viewToQuery writes) as Unix ms, or null. */
function parseTime(s: string): number | null {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d)$/.test(s)) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * `q` with the view written in: `range` for a preset, `from` and `to` for a
 * span (the others removed); other parameters are kept. The default view
 * leaves the URL bare.
 */
export function viewToQuery(view: View, q: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(q);
  for (const k of ["range", "from", "to"]) out.delete(k);
  if ("from" in view) {
    out.set("from", new Date(view.from).toISOString());
    out.set("to", new Date(view.to).toISOString());
  } else if (view.last !== DEFAULT_SECONDS) {
    const preset = RANGES.find((r) => r.seconds === view.last);
    if (preset) out.set("range", preset.key);
  }
  return out;
}

/** The query parameters a view is written in. */
const VIEW_KEYS = ["range", "from", "to"];

/**
 * Only the view's part of a query, as a query string ("" for none): what the
 * host's tabs carry from page to page, so the logs show the charts' range.
 */
export function viewPart(q: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const k of VIEW_KEYS) {
    const v = q.get(k);
    if (v !== null) out.set(k, v);
  }
  return out.toString();
}

/** The view a query names, or null when it names none (the logs then search all time). */
export function namedView(q: URLSearchParams): View | null {
  return q.has("range") || (q.has("from") && q.has("to")) ? viewFromQuery(q) : null;
}
