/**
 * What a notification says: a title and a plain text per kind (firing,
 * still firing, critical, resolved), one alert or a group of them, with the
 * host, the value, the threshold, how long, and the top processes where the
 * alert has them. The webhook sends this with the alerts as data (its
 * schema is `WebhookBody`); the channels issue adds templates per channel.
 */
import { type AlertRule, checkRule } from "../../lib/alerts/rules.ts";
import { type AlertView, alertView, duration } from "../../lib/alerts/view.ts";
import { metric } from "../../lib/metrics.ts";
import type { Alert, NotificationKind } from "../store/alerts/types.ts";
import type { Notification } from "../store/notifications/types.ts";

/** One alert as a message lists it. */
export interface MessageAlert extends AlertView {
  /** Null for an alert on no host (a push check's): `check` names it. */
  host: { id: string; name: string } | null;
  /** The check an alert on no host is about; null for one on a host. */
  check: { id: string; name: string } | null;
  /** What it is on, as the message says it: the host's name, or "check <name>". */
  subject: string;
  /** How long it has fired (or fired, once resolved), in seconds. */
  duration_s: number | null;
  processes: Alert["processes"];
}

export interface Message {
  kind: NotificationKind;
  title: string;
  text: string;
  rule: { id: string; name: string; kind: string; severity: string; metric: string | null };
  alerts: MessageAlert[];
  /** The hub's address (SIGHTLINE_PUBLIC_URL), and its page of this rule's alerts; null unset. */
  hub_url: string | null;
  url: string | null;
}

const TITLES: Record<NotificationKind, string> = {
  firing: "FIRING",
  reminder: "STILL FIRING",
  escalated: "CRITICAL",
  resolved: "RESOLVED",
};
/** A group lists this many alerts; the rest are counted. */
const LISTED = 50;

/** A value in its metric's unit: "93.4 %", "1.5 GiB". */
export function formatValue(metricName: string | null, v: number | null): string {
  if (v === null) return "–";
  const unit = metricName ? metric(metricName)?.unit : undefined;
  const n = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));
  switch (unit) {
    case "percent":
      return `${n(v)} %`;
    case "celsius":
      return `${n(v)} °C`;
    case "bytes":
    case "bytes_per_s": {
      const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
      let x = v;
      let i = 0;
      while (Math.abs(x) >= 1024 && i < units.length - 1) (x /= 1024, i++);
      return `${n(x)} ${units[i]}${unit === "bytes_per_s" ? "/s" : ""}`;
    }
    case "seconds":
      return duration(v * 1000);
    default:
      return n(v);
  }
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

function what(rule: AlertRule): string {
  switch (rule.kind) {
    case "threshold":
      return `${rule.metric} ${rule.op} ${formatValue(rule.metric, rule.threshold)}`;
    case "offline":
      return `offline for ${duration(rule.for_s * 1000)}`;
    case "nodata":
      return `no ${rule.metric} for ${duration(rule.for_s * 1000)}`;
    case "wal_dropping":
      return "the agent's WAL dropped batches";
    case "collector_failing":
      return "a collector is failing";
    case "check_down":
      return "an uptime check is down";
    case "check_slow":
      return `an uptime check takes more than ${rule.threshold} ms`;
    case "check_cert_expiring":
      return `a certificate has fewer than ${rule.threshold} days left`;
  }
}

function line(kind: NotificationKind, rule: AlertRule, a: MessageAlert, now: number): string {
  const where = a.host ? `${a.host.name}${labelText(a.labels)}` : a.subject;
  const value = a.value === null ? "" : `: ${formatValue(rule.metric, a.value)}`;
  if (kind === "resolved") {
    return `${where}${value}, resolved after ${duration((a.duration_s ?? 0) * 1000)}`;
  }
  const since = a.fired_at ? `, firing for ${duration(now - Date.parse(a.fired_at))}` : "";
  return `${where}${value}${since}${
    a.acknowledged_by ? ` (acknowledged by ${a.acknowledged_by})` : ""
  }`;
}

/** The processes a CPU alert lists by CPU, a memory alert by memory. */
function processLines(p: Alert["processes"], metricName: string | null): string[] {
  const byMemory = /^(mem|swap)_/.test(metricName ?? "");
  const list = (byMemory ? p?.by_memory : p?.by_cpu) as Array<Record<string, unknown>> | undefined;
  if (!Array.isArray(list) || !list.length) return [];
  const key = byMemory ? "by memory" : "by CPU";
  return [
    `  top processes ${key}:`,
    ...list.slice(0, 5).map((x) =>
      `    ${x.name} (pid ${x.pid}, ${x.user}): ${Number(x.cpu_percent ?? 0).toFixed(1)} % CPU, ${
        formatValue("mem_used_bytes", Number(x.rss_bytes ?? 0))
      }`
    ),
  ];
}

/**
 * The message for notification `n` of `rule` about `alerts`: hosts named by
 * `hostName`, and an alert on no host by its check (`checkName`).
 */
export function compose(
  n: Pick<Notification, "kind" | "items">,
  rule: AlertRule,
  alerts: Alert[],
  hostName: (id: string) => string,
  now: number,
  publicUrl: string | null,
  checkName: (id: string) => string = (id) => id,
): Message {
  const items = alerts.map((a): MessageAlert => {
    const end = a.resolved_at ?? now;
    const host = a.host_id === null ? null : { id: a.host_id, name: hostName(a.host_id) };
    const checkId = a.labels.check ?? "";
    const check = host ? null : { id: checkId, name: checkName(checkId) };
    return {
      ...alertView(a),
      host,
      check,
      subject: host ? host.name : `check ${check!.name}`,
      duration_s: a.fired_at === null ? null : Math.round((end - a.fired_at) / 1000),
      processes: a.processes,
    };
  }).sort((x, y) => x.subject.localeCompare(y.subject));
  const tag = `[${TITLES[n.kind]}]`;
  // An alert on no host names its check as its subject: its labels would say it again.
  const labels = (a: MessageAlert) => a.host ? labelText(a.labels) : "";
  const title = items.length === 1
    ? `${tag} ${rule.name} on ${items[0].subject}${labels(items[0])}`
    : `${tag} ${rule.name}: ${items.length} ${items.every((a) => a.host) ? "hosts" : "alerts"}`;
  const lines = [`${rule.name}: ${what(rule)}`, ""];
  for (const a of items.slice(0, LISTED)) {
    lines.push(line(n.kind, rule, a, now));
    // A long list of hosts stays a list: processes are for the few.
    if (n.kind !== "resolved" && items.length <= 5) {
      lines.push(...processLines(a.processes, rule.metric));
    }
  }
  if (items.length > LISTED) lines.push(`… and ${items.length - LISTED} more`);
  const hubUrl = publicUrl ? publicUrl.replace(/\/$/, "") : null;
  const url = hubUrl ? `${hubUrl}/alerts?rule=${encodeURIComponent(rule.id)}` : null;
  if (url) lines.push("", url);
  return {
    kind: n.kind,
    title,
    text: lines.join("\n"),
    rule: {
      id: rule.id,
      name: rule.name,
      kind: rule.kind,
      severity: alerts.some((a) => a.severity === "critical") ? "critical" : rule.severity,
      metric: rule.metric,
    },
    alerts: items,
    hub_url: hubUrl,
    url,
  };
}

/** What "send a test" sends: a firing message about an example alert, said to be a test. */
export function testMessage(publicUrl: string | null, now: number): Message {
  const hubUrl = publicUrl ? publicUrl.replace(/\/$/, "") : null;
  const at = new Date(now).toISOString();
  return {
    kind: "firing",
    title: "[TEST] Sightline test notification",
    text: "This is a test from Sightline: notifications to this channel arrive.",
    rule: { id: "test", name: "Test", kind: "threshold", severity: "warning", metric: null },
    alerts: [{
      id: 0,
      rule_id: "test",
      rule_name: "Test",
      host_id: "test",
      host: { id: "test", name: "test host" },
      check: null,
      subject: "test host",
      labels: {},
      state: "firing",
      severity: "warning",
      value: null,
      threshold: null,
      started_at: at,
      pending_since: at,
      fired_at: at,
      resolved_at: null,
      acknowledged_by: null,
      acknowledged_at: null,
      closed_reason: null,
      duration_s: 0,
      processes: null,
    }],
    hub_url: hubUrl,
    url: hubUrl,
  };
}

/**
 * What a template's preview is rendered against: a memory rule firing on
 * `web-1` for 12 minutes, in the words a real notification would have.
 */
export function exampleMessage(publicUrl: string | null, now: number): Message {
  const checked = checkRule({
    name: "Memory above 90 %",
    metric: "mem_used_percent",
    op: ">",
    threshold: 90,
    recover: 80,
  });
  if (!checked.ok) throw new Error(checked.error.problem);
  const rule: AlertRule = { ...checked.rule, id: "example" };
  const fired = now - 12 * 60_000;
  const alert: Alert = {
    id: 1,
    rule_id: rule.id,
    rule_name: rule.name,
    host_id: "example",
    labels: {},
    labels_key: "",
    state: "firing",
    severity: "warning",
    value: 93.4,
    threshold: 90,
    pending_since: fired - 300_000,
    fired_at: fired,
    resolved_at: null,
    notified_at: fired,
    acknowledged_by: null,
    acknowledged_at: null,
    closed_reason: null,
    processes: null,
  };
  return compose({ kind: "firing", items: [] }, rule, [alert], () => "web-1", now, publicUrl);
}
