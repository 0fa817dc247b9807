/**
 * PagerDuty, through the Events API v2: a POST of JSON to
 * `<api_url>/v2/enqueue` (https://developer.pagerduty.com/docs/send-alert-event,
 * https://developer.pagerduty.com/api-reference/368ae3d938c9e-send-an-event-to-pager-duty),
 * ONE EVENT PER ALERT, one after another: `{routing_key, event_action:
 * "trigger", dedup_key, payload: {summary, source, severity, timestamp,
 * component, group, class, custom_details}, links, client, client_url}`, and
 * for a resolve `{routing_key, event_action: "resolve", dedup_key}`. The
 * dedup_key is the alert's own, the same from every hub and on every try
 * (`sightline-<alert id>-<hash of rule, host, labels, fired_at>`), so the
 * trigger, its reminders and its resolve are one PagerDuty alert, and a
 * retry that sends again only repeats into it. The routing key (the
 * integration key) is the secret. PagerDuty answers 202
 * `{"status": "success", "dedup_key": …}`; 429 means slow down.
 */
import { createHash } from "node:crypto";
import type { ChannelKind, SendOutcome } from "../channels.ts";
import type { MessageAlert } from "../message.ts";
import { clip, sendJson, under } from "./common.ts";

/** An integration key: 32 letters and digits. */
const KEY = /^[A-Za-z0-9]{32}$/;

/** The dedup_key of alert `a` of rule `ruleId`: the same for its trigger and its resolve. */
export function dedupKey(ruleId: string, a: MessageAlert): string {
  const labels = JSON.stringify(Object.entries(a.labels).sort(([x], [y]) => x.localeCompare(y)));
  const of = createHash("sha256").update(`${ruleId}|${a.host?.id ?? ""}|${labels}|${a.fired_at}`);
  return `sightline-${a.id}-${of.digest("hex").slice(0, 16)}`;
}

function where(a: MessageAlert): string {
  const labels = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(", ");
  if (!a.host) return a.subject;
  return labels ? `${a.host.name} (${labels})` : a.host.name;
}

export const PAGERDUTY: ChannelKind = {
  title: "PagerDuty",
  fields: {
    routing_key: {
      label: "Integration key",
      kind: "text",
      secret: true,
      required: true,
      help: "Service → Integrations → Events API V2 → Integration Key",
    },
    api_url: { label: "Events API", kind: "url", default: "https://events.pagerduty.com" },
  },
  check(c) {
    if (!KEY.test(String(c.routing_key))) {
      return {
        field: "config.routing_key",
        problem: "An integration key is 32 letters and digits",
      };
    }
    return null;
  },
  async send(r) {
    const { message: m } = r;
    const url = under(r.config.api_url, "/v2/enqueue");
    const routing_key = String(r.config.routing_key);
    let last: SendOutcome = { ok: true, status: null, detail: "no alerts" };
    for (const a of m.alerts) {
      const dedup_key = dedupKey(m.rule.id, a);
      const event = m.kind === "resolved" ? { routing_key, event_action: "resolve", dedup_key } : {
        routing_key,
        event_action: "trigger",
        dedup_key,
        payload: {
          summary: clip(m.alerts.length > 1 ? `${r.title} — ${where(a)}` : r.title, 1024),
          source: a.subject,
          severity: a.severity === "critical" ? "critical" : "warning",
          timestamp: a.fired_at ?? a.started_at,
          component: m.rule.metric ?? m.rule.kind,
          group: m.rule.name,
          class: m.rule.kind,
          custom_details: {
            text: clip(r.text, 4000),
            value: a.value,
            threshold: a.threshold,
            labels: a.labels,
            host_id: a.host_id,
            rule_id: m.rule.id,
            started_at: a.started_at,
          },
        },
        ...(m.url ? { links: [{ href: m.url, text: "Open in Sightline" }] } : {}),
        client: "Sightline",
        ...(m.hub_url ? { client_url: m.hub_url } : {}),
      };
      last = await sendJson(r, url, event);
      // The rest wait for the retry, which sends them all again (a repeat joins its alert).
      if (!last.ok) return last;
    }
    return last;
  },
};
