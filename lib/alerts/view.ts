/**
 * An alert as the REST API, the live events and the dashboard show it: one
 * shape, computed once (hub/alerts and the islands import it).
 */
import type { Severity } from "./rules.ts";

export interface AlertView {
  id: number;
  rule_id: string;
  rule_name: string;
  /** Null for an alert on no host: a push check's check_down (its labels name the check). */
  host_id: string | null;
  labels: Record<string, string>;
  state: "pending" | "firing" | "resolved";
  severity: Severity;
  value: number | null;
  threshold: number | null;
  /** ISO: when it fired, or for a pending alert when its condition began. */
  started_at: string;
  pending_since: string;
  fired_at: string | null;
  resolved_at: string | null;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  /** Why it ended other than by its value (its rule changed or removed). */
  closed_reason: string | null;
}

/** What the store holds of an alert: the same, its times in Unix ms. */
export interface AlertRecord extends
  Omit<
    AlertView,
    "started_at" | "pending_since" | "fired_at" | "resolved_at" | "acknowledged_at"
  > {
  pending_since: number;
  fired_at: number | null;
  resolved_at: number | null;
  acknowledged_at: number | null;
}

const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString();

export function alertView(a: AlertRecord): AlertView {
  return {
    id: a.id,
    rule_id: a.rule_id,
    rule_name: a.rule_name,
    host_id: a.host_id,
    labels: a.labels,
    state: a.state,
    severity: a.severity,
    value: a.value,
    threshold: a.threshold,
    started_at: iso(a.fired_at ?? a.pending_since)!,
    pending_since: iso(a.pending_since)!,
    fired_at: iso(a.fired_at),
    resolved_at: iso(a.resolved_at),
    acknowledged_by: a.acknowledged_by,
    acknowledged_at: iso(a.acknowledged_at),
    closed_reason: a.closed_reason,
  };
}

/** "2 h 5 min", "40 s": how long something lasted. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
