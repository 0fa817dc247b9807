/**
 * The alerts page's two lists as live events change them, kept pure so the
 * rules are tested without a browser: "firing now" holds firing alerts, then
 * pending ones, newest first; "history" holds resolved ones, newest first.
 * An event moves its alert between them (pending → firing → resolved), an
 * alert the page has not seen is added from the event's data, and a filter
 * (state, rule, host) keeps out what it does not match.
 */
import type { AlertView } from "../lib/alerts/view.ts";

/** An alert as the REST API lists it: the live view and what mutes it. */
export interface AlertRow extends AlertView {
  /** Why it is muted (a silence, a maintenance window), or null. */
  muted: string | null;
}

/** What the page shows, from its URL; "" is any. */
export interface AlertFilter {
  state: "" | AlertView["state"];
  rule: string;
  host: string;
}

export interface AlertLists {
  open: AlertRow[];
  history: AlertRow[];
}

/** The alert events, each of which changes an alert a page shows. */
export const ALERT_EVENTS = [
  "alert.pending",
  "alert.firing",
  "alert.resolved",
  "alert.cancelled",
  "alert.acknowledged",
] as const;
export type AlertEvent = typeof ALERT_EVENTS[number];

/** Whether `a` belongs on a page filtered by `f`. */
export function matches(f: AlertFilter, a: AlertView): boolean {
  return (!f.state || f.state === a.state) && (!f.rule || f.rule === a.rule_id) &&
    (!f.host || f.host === a.host_id);
}

const rank = (a: AlertView) => (a.state === "firing" ? 0 : 1);

/** Firing before pending; each newest first (by when it fired, or began). */
export function sortOpen(list: AlertRow[]): AlertRow[] {
  return list.sort((a, b) =>
    rank(a) - rank(b) || Date.parse(b.started_at) - Date.parse(a.started_at) || b.id - a.id
  );
}

/** The lists after `event` about `a`. */
export function applyEvent(
  lists: AlertLists,
  event: AlertEvent,
  a: AlertView,
  f: AlertFilter,
): AlertLists {
  const known = lists.open.find((r) => r.id === a.id) ?? lists.history.find((r) => r.id === a.id);
  // Live events do not say what mutes an alert; what the page was told stays.
  const row: AlertRow = { ...a, muted: known?.muted ?? null };
  const open = lists.open.filter((r) => r.id !== a.id);
  const history = lists.history.filter((r) => r.id !== a.id);
  // A cancelled alert (pending, passed) was never more than pending: it goes.
  if (event === "alert.cancelled" || !matches(f, row)) return { open, history };
  if (row.state === "resolved") {
    // Newest first by id, as the store pages it; a resolve is news, so it is rarely not first.
    const at = history.findIndex((r) => r.id < row.id);
    history.splice(at === -1 ? history.length : at, 0, row);
    return { open, history };
  }
  return { open: sortOpen([...open, row]), history };
}
