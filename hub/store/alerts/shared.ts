/**
 * Alerting on either dialect: the SQL agrees. Each transition is an UPDATE
 * guarded by the state it leaves (`WHERE id = :id AND state = 'pending'`),
 * and opening one rests on the unique index of open alerts per (rule, host,
 * series): of two hubs making the same transition, exactly one changes a row
 * and queues its notification in that transaction.
 */
import { count, type Db, first, Json, type Plan, type Row, rows } from "../sql.ts";
import { json } from "../rows.ts";
import { writeAudit } from "../audit/shared.ts";
import type { AuditRecord } from "../audit/types.ts";
import { enqueue } from "../notifications/shared.ts";
import type { AlertRule, Severity } from "../../../lib/alerts/rules.ts";
import type { FiringCount } from "../../../lib/alerts/counts.ts";
import type {
  Alert,
  AlertQuery,
  AlertState,
  AlertStore,
  MaintenanceWindow,
  NotifySpec,
  OpenAlert,
  ProcessSnapshot,
  Silence,
} from "./types.ts";

/** The settings key that says the default rules were added (so removed ones stay removed). */
const DEFAULTS_KEY = "alerts.defaults_seeded";

const num = (v: unknown) => v === null || v === undefined ? null : Number(v);
const text = (v: unknown) => v === null || v === undefined ? null : String(v);

function toAlert(r: Row): Alert {
  return {
    id: Number(r.id),
    rule_id: String(r.rule_id),
    rule_name: String(r.rule_name),
    host_id: text(r.host_id),
    labels: json<Record<string, string>>(r.labels),
    labels_key: String(r.labels_key),
    state: String(r.state) as AlertState,
    severity: String(r.severity) as Severity,
    value: num(r.value),
    threshold: num(r.threshold),
    pending_since: Number(r.pending_since),
    fired_at: num(r.fired_at),
    resolved_at: num(r.resolved_at),
    notified_at: num(r.notified_at),
    acknowledged_by: text(r.acknowledged_by),
    acknowledged_at: num(r.acknowledged_at),
    closed_reason: text(r.closed_reason),
    processes: r.processes === null || r.processes === undefined
      ? null
      : json<ProcessSnapshot>(r.processes),
  };
}

function toRule(r: Row): AlertRule {
  return { ...json<Omit<AlertRule, "id">>(r.spec), id: String(r.id) };
}

function toSilence(r: Row): Silence {
  return {
    id: String(r.id),
    rule_id: text(r.rule_id),
    host_id: text(r.host_id),
    tag: text(r.tag),
    starts_at: Number(r.starts_at),
    ends_at: Number(r.ends_at),
    reason: String(r.reason),
    created_by: String(r.created_by),
    created_at: Number(r.created_at),
  };
}

function toWindow(r: Row): MaintenanceWindow {
  return {
    id: String(r.id),
    name: String(r.name),
    rule_id: text(r.rule_id),
    host_id: text(r.host_id),
    tag: text(r.tag),
    time_zone: String(r.time_zone),
    days: json<number[]>(r.days),
    start_minute: Number(r.start_minute),
    duration_min: Number(r.duration_min),
    created_by: String(r.created_by),
    created_at: Number(r.created_at),
  };
}

function specOf(rule: AlertRule): Json {
  const { id: _id, ...spec } = rule;
  return new Json(spec);
}

/**
 * Closes every open alert of a rule (removed, changed or disabled),
 * unnotified: pending ones go, firing ones resolve with the reason. Returns
 * what it closed, as it was left (a pending one as it was), so the dashboards
 * can be told.
 */
function* closeOpen(ruleId: string, at: number, reason: string): Plan<Alert[]> {
  const cancelled = yield* rows(
    "DELETE FROM alerts WHERE rule_id = :rule AND state = 'pending' RETURNING *",
    { rule: ruleId },
  );
  const resolved = yield* rows(
    `UPDATE alerts SET state = 'resolved', resolved_at = :at, closed_reason = :reason
    WHERE rule_id = :rule AND state = 'firing' RETURNING *`,
    { rule: ruleId, at, reason },
  );
  return [...cancelled, ...resolved].map(toAlert);
}

function* alertById(id: number): Plan<Alert | null> {
  const r = yield* first("SELECT * FROM alerts WHERE id = :id", { id });
  return r ? toAlert(r) : null;
}

/** {@link AlertStore} on one database. */
export class SqlAlertStore implements AlertStore {
  constructor(private readonly db: Db) {}

  rules(): Promise<AlertRule[]> {
    return this.db.run(function* () {
      return (yield* rows("SELECT * FROM alert_rules ORDER BY created_at, id")).map(toRule);
    }());
  }

  rule(id: string): Promise<AlertRule | null> {
    return this.db.run(function* () {
      const r = yield* first("SELECT * FROM alert_rules WHERE id = :id", { id });
      return r ? toRule(r) : null;
    }());
  }

  seedDefaults(rules: AlertRule[], at: number): Promise<boolean> {
    return this.db.tx(function* () {
      // The key's insert is the claim: of two hubs starting at once, one seeds.
      const claimed = yield* count(
        `INSERT INTO settings (key, value) VALUES (:key, :value) ON CONFLICT (key) DO NOTHING`,
        { key: DEFAULTS_KEY, value: String(at) },
      );
      if (!claimed) return false;
      // One ms apart, so they list in the order given.
      for (const [i, rule] of rules.entries()) {
        yield* count(
          `INSERT INTO alert_rules (id, spec, created_at, updated_at)
          VALUES (:id, :spec, :at, :at)`,
          { id: rule.id, spec: specOf(rule), at: at + i },
        );
      }
      return true;
    }());
  }

  createRule(rule: AlertRule, at: number, audit?: AuditRecord): Promise<void> {
    return this.db.tx(function* () {
      yield* count(
        "INSERT INTO alert_rules (id, spec, created_at, updated_at) VALUES (:id, :spec, :at, :at)",
        { id: rule.id, spec: specOf(rule), at },
      );
      yield* writeAudit(audit);
    }());
  }

  updateRule(rule: AlertRule, at: number, audit?: AuditRecord): Promise<Alert[] | null> {
    return this.db.tx(function* () {
      const changed = yield* count(
        "UPDATE alert_rules SET spec = :spec, updated_at = :at WHERE id = :id",
        { id: rule.id, spec: specOf(rule), at },
      );
      if (!changed) return null;
      // A changed rule judges afresh: what it had open was judged by the old one.
      const closed = yield* closeOpen(rule.id, at, rule.enabled ? "rule changed" : "rule disabled");
      yield* writeAudit(audit);
      return closed;
    }());
  }

  deleteRule(id: string, at: number, audit?: AuditRecord): Promise<Alert[] | null> {
    return this.db.tx(function* () {
      const gone = yield* count("DELETE FROM alert_rules WHERE id = :id", { id });
      if (!gone) return null;
      const closed = yield* closeOpen(id, at, "rule removed");
      yield* writeAudit(audit);
      return closed;
    }());
  }

  openAlerts(hostId?: string | null): Promise<Alert[]> {
    return this.db.run(function* () {
      const found = hostId === null
        ? yield* rows(
          "SELECT * FROM alerts WHERE state IN ('pending', 'firing') AND host_id IS NULL",
        )
        : hostId
        ? yield* rows(
          "SELECT * FROM alerts WHERE state IN ('pending', 'firing') AND host_id = :host",
          { host: hostId },
        )
        : yield* rows("SELECT * FROM alerts WHERE state IN ('pending', 'firing')");
      return found.map(toAlert);
    }());
  }

  alert(id: number): Promise<Alert | null> {
    return this.db.run(alertById(id));
  }

  alerts(q: AlertQuery): Promise<Alert[]> {
    const where = ["id < :before"];
    const params: Record<string, string | number> = {
      before: q.before ?? Number.MAX_SAFE_INTEGER,
      limit: q.limit,
    };
    if (q.state) (where.push("state = :state"), params.state = q.state);
    if (q.hostId) (where.push("host_id = :host"), params.host = q.hostId);
    if (q.ruleId) (where.push("rule_id = :rule"), params.rule = q.ruleId);
    return this.db.run(function* () {
      return (yield* rows(
        `SELECT * FROM alerts WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT :limit`,
        params,
      )).map(toAlert);
    }());
  }

  firingCounts(): Promise<Record<string, FiringCount>> {
    return this.db.run(function* () {
      const counts: Record<string, FiringCount> = {};
      const found = yield* rows(
        `SELECT host_id, severity, COUNT(*) AS n FROM alerts WHERE state = 'firing'
        GROUP BY host_id, severity`,
      );
      for (const r of found) {
        // An alert on no host (a push check's) counts in the navigation's total only.
        const c = counts[r.host_id === null ? "" : String(r.host_id)] ??= {
          warning: 0,
          critical: 0,
        };
        c[String(r.severity) as Severity] = Number(r.n);
      }
      return counts;
    }());
  }

  open(a: OpenAlert, notify: NotifySpec | null): Promise<{ alert: Alert; opened: boolean }> {
    return this.db.tx(function* () {
      const made = yield* first(
        `INSERT INTO alerts (rule_id, rule_name, host_id, labels, labels_key, state, severity,
          value, threshold, pending_since, fired_at, notified_at)
        VALUES (:rule, :name, :host, :labels, :key, :state, :severity, :value, :threshold,
          :at, :fired, :notified)
        ON CONFLICT (rule_id, COALESCE(host_id, ''), labels_key) WHERE state IN ('pending', 'firing') DO NOTHING
        RETURNING *`,
        {
          rule: a.rule.id,
          name: a.rule.name,
          host: a.hostId,
          labels: new Json(a.labels),
          key: a.labelsKey,
          state: a.state,
          severity: a.severity,
          value: a.value,
          threshold: a.threshold,
          at: a.at,
          fired: a.state === "firing" ? a.at : null,
          notified: a.state === "firing" && notify ? a.at : null,
        },
      );
      if (made) {
        const alert = toAlert(made);
        if (a.state === "firing" && notify) {
          yield* enqueue(notify, a.rule.id, alert.id, a.value, a.at);
        }
        return { alert, opened: true };
      }
      const held = yield* first(
        `SELECT * FROM alerts WHERE rule_id = :rule AND COALESCE(host_id, '') = :host
          AND labels_key = :key AND state IN ('pending', 'firing')`,
        { rule: a.rule.id, host: a.hostId ?? "", key: a.labelsKey },
      );
      // A host removed meanwhile leaves neither (the insert failed on its key instead).
      if (!held) throw new Error(`Alert for ${a.rule.id} on ${a.hostId} neither opened nor held`);
      return { alert: toAlert(held), opened: false };
    }());
  }

  fire(
    id: number,
    at: number,
    change: { value: number | null; severity: Severity; processes: ProcessSnapshot | null },
    notify: NotifySpec | null,
  ): Promise<boolean> {
    return this.db.tx(function* () {
      const r = yield* first(
        `UPDATE alerts SET state = 'firing', fired_at = :at, value = :value, severity = :severity,
          processes = :processes, notified_at = :notified
        WHERE id = :id AND state = 'pending' RETURNING rule_id`,
        {
          id,
          at,
          value: change.value,
          severity: change.severity,
          processes: change.processes ? new Json(change.processes) : null,
          notified: notify ? at : null,
        },
      );
      if (!r) return false;
      if (notify) yield* enqueue(notify, String(r.rule_id), id, change.value, at);
      return true;
    }());
  }

  cancel(id: number): Promise<boolean> {
    return this.db.run(function* () {
      return (yield* count("DELETE FROM alerts WHERE id = :id AND state = 'pending'", { id })) > 0;
    }());
  }

  escalate(
    id: number,
    at: number,
    value: number | null,
    notify: NotifySpec | null,
  ): Promise<boolean> {
    return this.db.tx(function* () {
      const r = yield* first(
        `UPDATE alerts SET severity = 'critical', value = :value,
          notified_at = COALESCE(:notified, notified_at)
        WHERE id = :id AND state = 'firing' AND severity <> 'critical' RETURNING rule_id`,
        { id, value, notified: notify ? at : null },
      );
      if (!r) return false;
      if (notify) yield* enqueue(notify, String(r.rule_id), id, value, at);
      return true;
    }());
  }

  remind(
    id: number,
    lastNotified: number | null,
    at: number,
    notify: NotifySpec,
  ): Promise<boolean> {
    return this.db.tx(function* () {
      const r = yield* first(
        `UPDATE alerts SET notified_at = :at
        WHERE id = :id AND state = 'firing' AND acknowledged_at IS NULL
          AND ${lastNotified === null ? "notified_at IS NULL" : "notified_at = :last"}
        RETURNING rule_id, value`,
        lastNotified === null ? { id, at } : { id, at, last: lastNotified },
      );
      if (!r) return false;
      yield* enqueue(notify, String(r.rule_id), id, num(r.value), at);
      return true;
    }());
  }

  resolve(
    id: number,
    at: number,
    value: number | null,
    notify: NotifySpec | null,
    reason?: string,
  ): Promise<boolean> {
    return this.db.tx(function* () {
      const r = yield* first(
        `UPDATE alerts SET state = 'resolved', resolved_at = :at, value = :value, closed_reason = :reason
        WHERE id = :id AND state = 'firing' RETURNING rule_id, notified_at`,
        { id, at, value, reason: reason ?? null },
      );
      if (!r) return false;
      // Nobody hears of the end of an alert they never heard of (it fired muted).
      if (notify && r.notified_at !== null) {
        yield* enqueue(notify, String(r.rule_id), id, value, at);
      }
      return true;
    }());
  }

  acknowledge(id: number, by: string, at: number, audit?: AuditRecord): Promise<Alert | null> {
    return this.db.tx(function* () {
      const changed = yield* count(
        `UPDATE alerts SET acknowledged_by = :by, acknowledged_at = :at
        WHERE id = :id AND state = 'firing' AND acknowledged_at IS NULL`,
        { id, by, at },
      );
      if (changed) yield* writeAudit(audit);
      return changed ? yield* alertById(id) : null;
    }());
  }

  silences(): Promise<Silence[]> {
    return this.db.run(function* () {
      return (yield* rows("SELECT * FROM silences ORDER BY ends_at DESC, id")).map(toSilence);
    }());
  }

  createSilence(s: Silence, audit?: AuditRecord): Promise<void> {
    return this.db.tx(function* () {
      yield* count(
        `INSERT INTO silences (id, rule_id, host_id, tag, starts_at, ends_at, reason, created_by,
          created_at)
        VALUES (:id, :rule_id, :host_id, :tag, :starts_at, :ends_at, :reason, :created_by,
          :created_at)`,
        { ...s },
      );
      yield* writeAudit(audit);
    }());
  }

  endSilence(id: string, at: number, audit?: AuditRecord): Promise<boolean> {
    return this.db.tx(function* () {
      const ended = yield* count(
        "UPDATE silences SET ends_at = :at WHERE id = :id AND ends_at > :at",
        { id, at },
      );
      if (ended) yield* writeAudit(audit);
      return ended > 0;
    }());
  }

  windows(): Promise<MaintenanceWindow[]> {
    return this.db.run(function* () {
      return (yield* rows("SELECT * FROM maintenance_windows ORDER BY created_at, id")).map(
        toWindow,
      );
    }());
  }

  createWindow(w: MaintenanceWindow, audit?: AuditRecord): Promise<void> {
    return this.db.tx(function* () {
      yield* count(
        `INSERT INTO maintenance_windows (id, name, rule_id, host_id, tag, time_zone, days,
          start_minute, duration_min, created_by, created_at)
        VALUES (:id, :name, :rule_id, :host_id, :tag, :time_zone, :days, :start_minute,
          :duration_min, :created_by, :created_at)`,
        { ...w, days: new Json(w.days) },
      );
      yield* writeAudit(audit);
    }());
  }

  deleteWindow(id: string, audit?: AuditRecord): Promise<boolean> {
    return this.db.tx(function* () {
      const gone = yield* count("DELETE FROM maintenance_windows WHERE id = :id", { id });
      if (gone) yield* writeAudit(audit);
      return gone > 0;
    }());
  }

  pruneHistory(before: number, limit: number): Promise<{ alerts: number; silences: number }> {
    return this.db.tx(function* () {
      // Oldest first by id through (state, id): resolved alerts are resolved in
      // about the order they were opened, so a slice finds its rows at the start.
      const alerts = yield* count(
        `DELETE FROM alerts WHERE id IN (SELECT id FROM alerts
          WHERE state = 'resolved' AND resolved_at < :before
            -- One a message still to be sent tells of stays until it is sent.
            AND NOT EXISTS (SELECT 1 FROM notification_items i
              JOIN notifications n ON n.id = i.notification_id
              WHERE i.alert_id = alerts.id AND n.state = 'queued')
          ORDER BY id LIMIT :limit)`,
        { before, limit },
      );
      const silences = yield* count(
        `DELETE FROM silences WHERE id IN (SELECT id FROM silences WHERE ends_at < :before
          LIMIT :limit)`,
        { before, limit },
      );
      return { alerts, silences };
    }());
  }
}
