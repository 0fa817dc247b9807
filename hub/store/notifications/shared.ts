/** Channels and the outbox on either dialect: the SQL agrees. */
import { count, type Db, first, Json, type Plan, type Row, rows, type SqlValue } from "../sql.ts";
import { json } from "../rows.ts";
import { writeAudit } from "../audit/shared.ts";
import type { AuditRecord } from "../audit/types.ts";
import { lockLease } from "../leases/shared.ts";
import type { NotificationKind, NotifySpec } from "../alerts/types.ts";
import type {
  Attempt,
  AttemptOutcome,
  Channel,
  ChannelChange,
  ChannelFilters,
  ChannelTemplate,
  ChannelType,
  Notification,
  NotificationStore,
  RecentQuery,
} from "./types.ts";

/** The lease whose holder delivers notifications. */
export const NOTIFY_LEASE = "notify";

function toChannel(r: Row): Channel {
  return {
    id: String(r.id),
    name: String(r.name),
    type: String(r.type) as ChannelType,
    config: json<Channel["config"]>(r.config),
    secret: r.secret === null || r.secret === undefined ? null : String(r.secret),
    filters: json<ChannelFilters>(r.filters),
    template: r.template === null || r.template === undefined
      ? null
      : json<ChannelTemplate>(r.template),
    enabled: Boolean(r.enabled),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
  };
}

function toNotification(r: Row): Notification {
  return {
    id: Number(r.id),
    channel_id: String(r.channel_id),
    rule_id: String(r.rule_id),
    kind: String(r.kind) as NotificationKind,
    created_at: Number(r.created_at),
    due_at: Number(r.due_at),
    state: String(r.state) as Notification["state"],
    attempts: Number(r.attempts),
    sent_at: r.sent_at === null ? null : Number(r.sent_at),
    last_error: r.last_error === null ? null : String(r.last_error),
    items: [],
  };
}

/**
 * Inside a transition's transaction: tells each of `spec.channels` of
 * `alertId`. A notification of the same rule and kind to the same channel
 * still gathering (its group window open) takes it; otherwise a new one
 * opens, due when its window closes.
 */
export function* enqueue(
  spec: NotifySpec,
  ruleId: string,
  alertId: number,
  value: number | null,
  at: number,
): Plan<void> {
  for (const channelId of spec.channels) {
    // Holds the channel's row to the end of the transaction, so two hubs
    // (or two hosts' transitions) never both open a group; and skips a
    // channel removed meanwhile.
    const held = yield* count("UPDATE channels SET id = id WHERE id = :channel", {
      channel: channelId,
    });
    if (!held) continue;
    const open = yield* first(
      `SELECT id FROM notifications
      WHERE channel_id = :channel AND rule_id = :rule AND kind = :kind
        AND state = 'queued' AND attempts = 0 AND group_until > :at
      ORDER BY id DESC LIMIT 1`,
      { channel: channelId, rule: ruleId, kind: spec.kind, at },
    );
    let id = open ? Number(open.id) : 0;
    if (!open) {
      const until = at + spec.groupS * 1000;
      const made = yield* first(
        `INSERT INTO notifications (channel_id, rule_id, kind, created_at, due_at, group_until)
        VALUES (:channel, :rule, :kind, :at, :until, :until) RETURNING id`,
        { channel: channelId, rule: ruleId, kind: spec.kind, at, until },
      );
      id = Number(made!.id);
    }
    yield* count(
      `INSERT INTO notification_items (notification_id, alert_id, value, at)
      VALUES (:id, :alert, :value, :at)
      ON CONFLICT (notification_id, alert_id) DO UPDATE SET value = excluded.value, at = excluded.at`,
      { id, alert: alertId, value, at },
    );
  }
}

/**
 * Whether queued notification `n` may go: none of its alerts has an earlier
 * notification to the same channel still queued (a resolve never before its
 * fire, which may be failing for hours). Read from `n`'s few items through
 * each alert's own notifications (notification_items_alert), never through
 * the channel's whole outbox.
 */
const FIRST_IN_LINE = `NOT EXISTS (
  SELECT 1 FROM notification_items i
  WHERE i.notification_id = n.id AND EXISTS (
    SELECT 1 FROM notification_items e JOIN notifications o ON o.id = e.notification_id
    WHERE e.alert_id = i.alert_id AND e.notification_id < n.id
      AND o.channel_id = n.channel_id AND o.state = 'queued'))`;

/** {@link NotificationStore} on one database. */
export class SqlNotificationStore implements NotificationStore {
  constructor(private readonly db: Db) {}

  channels(): Promise<Channel[]> {
    return this.db.run(function* () {
      return (yield* rows("SELECT * FROM channels ORDER BY created_at, id")).map(toChannel);
    }());
  }

  channel(id: string): Promise<Channel | null> {
    return this.db.run(function* () {
      const r = yield* first("SELECT * FROM channels WHERE id = :id", { id });
      return r ? toChannel(r) : null;
    }());
  }

  createChannel(c: Channel, audit?: AuditRecord): Promise<void> {
    return this.db.tx(function* () {
      yield* count(
        `INSERT INTO channels (id, name, type, config, secret, filters, template, enabled,
          created_at, updated_at)
        VALUES (:id, :name, :type, :config, :secret, :filters, :template, :enabled, :created_at,
          :updated_at)`,
        {
          ...c,
          config: new Json(c.config),
          filters: new Json(c.filters),
          template: c.template ? new Json(c.template) : null,
        },
      );
      yield* writeAudit(audit);
    }());
  }

  updateChannel(id: string, change: ChannelChange, at: number, audit?: AuditRecord) {
    return this.db.tx(function* () {
      const sets = ["updated_at = :at"];
      const params: Record<string, SqlValue> = { id, at };
      for (const [k, v] of Object.entries(change)) {
        if (v === undefined) continue;
        sets.push(`${k} = :${k}`);
        params[k] = k === "config" || k === "filters" || (k === "template" && v !== null)
          ? new Json(v)
          : v as SqlValue;
      }
      const changed = yield* count(`UPDATE channels SET ${sets.join(", ")} WHERE id = :id`, params);
      if (changed) yield* writeAudit(audit);
      return changed > 0;
    }());
  }

  deleteChannel(id: string, audit?: AuditRecord): Promise<boolean> {
    return this.db.tx(function* () {
      const gone = yield* count("DELETE FROM channels WHERE id = :id", { id });
      if (gone) yield* writeAudit(audit);
      return gone > 0;
    }());
  }

  due(now: number, limit: number): Promise<Notification[]> {
    return this.db.run(function* () {
      const found = (yield* rows(
        `SELECT n.* FROM notifications n
        WHERE n.state = 'queued' AND n.due_at <= :now AND ${FIRST_IN_LINE}
        ORDER BY n.id LIMIT :limit`,
        { now, limit },
      )).map(toNotification);
      for (const n of found) n.items = yield* itemsOf(n.id);
      return found;
    }());
  }

  nextDue(): Promise<number | null> {
    return this.db.run(function* () {
      const r = yield* first(
        `SELECT n.due_at AS due FROM notifications n
        WHERE n.state = 'queued' AND ${FIRST_IN_LINE}
        ORDER BY n.due_at LIMIT 1`,
      );
      return r?.due === null || r?.due === undefined ? null : Number(r.due);
    }());
  }

  attempted(id: number, at: number, outcome: AttemptOutcome, holder: string): Promise<boolean> {
    return this.db.tx(function* () {
      yield* lockLease(NOTIFY_LEASE, holder);
      const next = outcome.ok
        ? { state: "sent", due: at, sent: at, error: null }
        : outcome.retryAt === null
        ? { state: "failed", due: at, sent: null, error: outcome.detail }
        : { state: "queued", due: outcome.retryAt, sent: null, error: outcome.detail };
      const changed = yield* count(
        `UPDATE notifications SET state = :state, due_at = :due, sent_at = :sent,
          last_error = :error, attempts = attempts + 1
        WHERE id = :id AND state = 'queued'`,
        { id, ...next },
      );
      if (!changed) return false;
      yield* count(
        `INSERT INTO notification_attempts (notification_id, at, ok, status, detail)
        VALUES (:id, :at, :ok, :status, :detail)`,
        { id, at, ok: outcome.ok, status: outcome.status, detail: outcome.detail.slice(0, 500) },
      );
      return true;
    }());
  }

  mute(id: number, holder: string): Promise<boolean> {
    return this.db.tx(function* () {
      yield* lockLease(NOTIFY_LEASE, holder);
      return (yield* count(
        "UPDATE notifications SET state = 'muted' WHERE id = :id AND state = 'queued'",
        { id },
      )) > 0;
    }());
  }

  forAlert(alertId: number): Promise<Array<Notification & { attempt_log: Attempt[] }>> {
    return this.db.run(function* () {
      return yield* withAttempts(
        yield* rows(
          `SELECT n.* FROM notifications n
          WHERE n.id IN (SELECT notification_id FROM notification_items WHERE alert_id = :alert)
          ORDER BY n.id`,
          { alert: alertId },
        ),
      );
    }());
  }

  recent(q: RecentQuery): Promise<Array<Notification & { attempt_log: Attempt[] }>> {
    return this.db.run(function* () {
      const where = ["1 = 1"];
      if (q.channelId !== undefined) where.push("channel_id = :channel");
      if (q.before !== undefined) where.push("id < :before");
      return yield* withAttempts(
        yield* rows(
          `SELECT * FROM notifications WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT :limit`,
          { channel: q.channelId ?? null, before: q.before ?? null, limit: q.limit },
        ),
      );
    }());
  }

  prune(before: number, limit: number): Promise<number> {
    return this.db.tx(function* () {
      // By id, oldest first: created_at grows with it, so the old rows come first.
      return yield* count(
        `DELETE FROM notifications WHERE id IN (SELECT id FROM notifications
          WHERE state <> 'queued' AND created_at < :before ORDER BY id LIMIT :limit)`,
        { before, limit },
      );
    }());
  }
}

/** Notification rows with their alerts and every attempt, in the order given. */
function* withAttempts(found: Row[]) {
  const out: Array<Notification & { attempt_log: Attempt[] }> = [];
  for (const r of found) {
    const n = toNotification(r);
    n.items = yield* itemsOf(n.id);
    const log = (yield* rows(
      "SELECT * FROM notification_attempts WHERE notification_id = :id ORDER BY at",
      { id: n.id },
    )).map((a) => ({
      notification_id: Number(a.notification_id),
      at: Number(a.at),
      ok: Boolean(a.ok),
      status: a.status === null ? null : Number(a.status),
      detail: String(a.detail),
    }));
    out.push({ ...n, attempt_log: log });
  }
  return out;
}

function* itemsOf(id: number) {
  return (yield* rows(
    "SELECT alert_id, value, at FROM notification_items WHERE notification_id = :id ORDER BY at",
    { id },
  )).map((r) => ({
    alert_id: Number(r.alert_id),
    value: r.value === null ? null : Number(r.value),
    at: Number(r.at),
  }));
}
