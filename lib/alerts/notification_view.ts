/**
 * A notification as the REST API and the delivery log show it: one shape
 * for an alert's page (`GET /api/v1/alerts/:id`) and the log (`GET
 * /api/v1/notifications`), the channel's page and its island alike.
 */

/** One try at sending, as shown. */
export interface AttemptView {
  at: string;
  ok: boolean;
  status: number | null;
  /** The start of the service's answer, or why there was none. */
  detail: string;
}

export interface NotificationView {
  id: number;
  channel_id: string;
  rule_id: string;
  kind: string;
  state: "queued" | "sent" | "failed" | "muted";
  /** How many alerts it tells of, and which. */
  alerts: number;
  alert_ids: number[];
  created_at: string;
  due_at: string;
  sent_at: string | null;
  attempts: AttemptView[];
}

/** What the store keeps of a notification (times in Unix ms), as far as it is shown. */
export interface NotificationRecord {
  id: number;
  channel_id: string;
  rule_id: string;
  kind: string;
  state: NotificationView["state"];
  created_at: number;
  due_at: number;
  sent_at: number | null;
  items: Array<{ alert_id: number }>;
  attempt_log: Array<{ at: number; ok: boolean; status: number | null; detail: string }>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function notificationView(n: NotificationRecord): NotificationView {
  return {
    id: n.id,
    channel_id: n.channel_id,
    rule_id: n.rule_id,
    kind: n.kind,
    state: n.state,
    alerts: n.items.length,
    alert_ids: n.items.map((i) => i.alert_id),
    created_at: iso(n.created_at),
    due_at: iso(n.due_at),
    sent_at: n.sent_at === null ? null : iso(n.sent_at),
    attempts: n.attempt_log.map((t) => ({
      at: iso(t.at),
      ok: t.ok,
      status: t.status,
      detail: t.detail,
    })),
  };
}
