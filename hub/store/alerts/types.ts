/**
 * Alerting's store: rules, the alerts they raise (pending, firing, resolved)
 * and what mutes them (silences, maintenance windows). Every transition is a
 * compare-and-set on the alert's row, so of two hubs judging the same host
 * one makes it; its notifications are queued in the same transaction
 * (hub/store/notifications), so a transition and its message land together.
 */
import type { AuditRecord } from "../audit/types.ts";
import type { AlertRule, Severity } from "../../../lib/alerts/rules.ts";
import type { FiringCount } from "../../../lib/alerts/counts.ts";

export type AlertState = "pending" | "firing" | "resolved";

/** A process as the agent reported it when the alert fired (hub/control/types.ts). */
export type ProcessSnapshot = Record<string, unknown>;

/** One alert: a rule's judgement of one host's series over time. */
export interface Alert {
  id: number;
  rule_id: string;
  rule_name: string;
  /** The host it is on; null for an alert on no host (a push check's check_down). */
  host_id: string | null;
  labels: Record<string, string>;
  labels_key: string;
  state: AlertState;
  severity: Severity;
  /** The value at the last transition (null for kinds without one). */
  value: number | null;
  threshold: number | null;
  pending_since: number;
  fired_at: number | null;
  resolved_at: number | null;
  /** When a notification was last queued for it; null while nobody has been told. */
  notified_at: number | null;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  closed_reason: string | null;
  /** Top processes when it fired (CPU and memory rules), or why there are none. */
  processes: ProcessSnapshot | null;
}

/** What notifying a transition takes: who to tell, and how long to gather others. */
export interface NotifySpec {
  kind: NotificationKind;
  channels: string[];
  groupS: number;
}

export type NotificationKind = "firing" | "reminder" | "escalated" | "resolved";

/** An alert to open. */
export interface OpenAlert {
  rule: AlertRule;
  /** Null: on no host. */
  hostId: string | null;
  labels: Record<string, string>;
  labelsKey: string;
  /** Pending, or firing at once (a rule without `for`). */
  state: "pending" | "firing";
  severity: Severity;
  value: number | null;
  threshold: number | null;
  at: number;
}

/** Which alerts to list. */
export interface AlertQuery {
  state?: AlertState;
  hostId?: string;
  ruleId?: string;
  /** Only ids below this (the next page, newest first). */
  before?: number;
  limit: number;
}

/** A silence: mutes what it matches from `starts_at` to `ends_at`. */
export interface Silence {
  id: string;
  rule_id: string | null;
  host_id: string | null;
  tag: string | null;
  starts_at: number;
  ends_at: number;
  reason: string;
  created_by: string;
  created_at: number;
}

/** A weekly maintenance window in a time zone. */
export interface MaintenanceWindow {
  id: string;
  name: string;
  rule_id: string | null;
  host_id: string | null;
  tag: string | null;
  time_zone: string;
  /** Weekdays it starts on, 0 = Sunday. */
  days: number[];
  /** Local start, minutes after midnight. */
  start_minute: number;
  duration_min: number;
  created_by: string;
  created_at: number;
}

export interface AlertStore {
  /** Every rule, oldest first. */
  rules(): Promise<AlertRule[]>;
  rule(id: string): Promise<AlertRule | null>;
  /** Adds the default rules once per database (true when it did); removed defaults stay removed. */
  seedDefaults(rules: AlertRule[], at: number): Promise<boolean>;
  createRule(rule: AlertRule, at: number, audit?: AuditRecord): Promise<void>;
  /**
   * Changes a rule and closes its open alerts (pending ones removed, firing
   * ones resolved with the reason); the alerts it closed, or null when there
   * is no such rule.
   */
  updateRule(rule: AlertRule, at: number, audit?: AuditRecord): Promise<Alert[] | null>;
  /** Removes a rule and closes its open alerts, as updateRule; null when there is no such rule. */
  deleteRule(id: string, at: number, audit?: AuditRecord): Promise<Alert[] | null>;

  /** Open (pending and firing) alerts, for the engine to start from (null: those on no host). */
  openAlerts(hostId?: string | null): Promise<Alert[]>;
  alert(id: number): Promise<Alert | null>;
  alerts(q: AlertQuery): Promise<Alert[]>;
  /**
   * How many alerts fire on each host, by host id (hosts with none left out;
   * "" for alerts on no host): the fleet's badges and the navigation's count,
   * read on every page.
   */
  firingCounts(): Promise<Record<string, FiringCount>>;
  /**
   * Opens an alert unless the (rule, host, series) has one open: then that
   * one is returned with `opened: false` (another hub opened it first).
   */
  open(a: OpenAlert, notify: NotifySpec | null): Promise<{ alert: Alert; opened: boolean }>;
  /** pending → firing; false when it was not pending (another hub fired or cancelled it). */
  fire(
    id: number,
    at: number,
    change: { value: number | null; severity: Severity; processes: ProcessSnapshot | null },
    notify: NotifySpec | null,
  ): Promise<boolean>;
  /** A pending alert whose condition passed is dropped; false when it was not pending. */
  cancel(id: number): Promise<boolean>;
  /** A firing alert rose to critical. */
  escalate(
    id: number,
    at: number,
    value: number | null,
    notify: NotifySpec | null,
  ): Promise<boolean>;
  /**
   * Queues a reminder (or, for an alert nobody was told of while it was
   * muted, its first notice), if the alert is still firing, unacknowledged,
   * and was last notified at `lastNotified`.
   */
  remind(id: number, lastNotified: number | null, at: number, notify: NotifySpec): Promise<boolean>;
  /** firing → resolved; notified only when its fire was. */
  resolve(
    id: number,
    at: number,
    value: number | null,
    notify: NotifySpec | null,
    reason?: string,
  ): Promise<boolean>;
  acknowledge(id: number, by: string, at: number, audit?: AuditRecord): Promise<Alert | null>;

  silences(): Promise<Silence[]>;
  createSilence(s: Silence, audit?: AuditRecord): Promise<void>;
  /** Ends a silence now; false when there was none still running. */
  endSilence(id: string, at: number, audit?: AuditRecord): Promise<boolean>;

  windows(): Promise<MaintenanceWindow[]>;
  createWindow(w: MaintenanceWindow, audit?: AuditRecord): Promise<void>;
  deleteWindow(id: string, audit?: AuditRecord): Promise<boolean>;

  /**
   * Removes up to `limit` alerts resolved before `before` (with what their
   * notifications said of them) and silences that ended before it; an open
   * alert, or one a queued notification tells of, stays however old. Returns how many of each went.
   */
  pruneHistory(before: number, limit: number): Promise<{ alerts: number; silences: number }>;
}
