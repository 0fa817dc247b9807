/**
 * A rule, a scope and a mute in words, as the alerting pages show them
 * ("fs_used_percent (mount=*) > 90 % for 5 min, resolves ≤ 85 %"). Pure, so
 * the server's first render and the islands say the same thing.
 */
import { metric, UNIT_TEXT } from "../metrics.ts";
import { duration } from "./view.ts";
import type { AlertRule, Op, RuleInput, Scope } from "./rules.ts";

/** What each kind of rule watches, for pickers and lists. */
export const KIND_TEXT: Record<AlertRule["kind"], string> = {
  threshold: "Metric beyond a threshold",
  offline: "Host offline",
  nodata: "No data from a metric",
  wal_dropping: "Agent dropping batches",
  collector_failing: "Collector failing",
  check_down: "Uptime check down",
  check_slow: "Uptime check slow",
  check_cert_expiring: "Certificate expiring",
};

/** The comparison under which a firing alert resolves: `> 90` resolves at `≤ recover`. */
const RESOLVES: Record<Op, string> = { ">": "≤", ">=": "<", "<": "≥", "<=": ">" };

/** "5 min"; "at once" for zero. */
export function seconds(s: number): string {
  return s ? duration(s * 1000) : "at once";
}

/** A value with its metric's unit: "90 %", "1000 bytes", "3". */
function valueText(metricName: string | null, v: number): string {
  const unit = metricName ? UNIT_TEXT[metric(metricName)?.unit ?? "load"] : "";
  return unit ? `${v} ${unit}` : String(v);
}

const selector = (labels: Record<string, string>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
};

/** What a rule checks, in one line. */
export function describeRule(r: RuleInput): string {
  const held = r.for_s ? ` for ${seconds(r.for_s)}` : "";
  switch (r.kind) {
    case "threshold": {
      const v = (n: number) => valueText(r.metric, n);
      let text = `${r.metric}${selector(r.labels)} ${r.op} ${v(r.threshold!)}${held}`;
      if (r.recover !== null && r.recover !== r.threshold) {
        text += `, resolves ${RESOLVES[r.op!]} ${v(r.recover)}`;
      }
      if (r.critical !== null) text += `; critical ${r.op} ${v(r.critical)}`;
      return text;
    }
    case "offline":
      return `host offline${held}`;
    case "nodata":
      return `no ${r.metric}${selector(r.labels)} data while online${held}`;
    case "wal_dropping":
      return `agent's WAL dropping batches; resolves after ${seconds(r.for_s)} without`;
    case "collector_failing":
      return `collector${selector(r.labels)} failing in every batch${held}`;
    case "check_down":
      return `uptime check${selector(r.labels)} down`;
    case "check_slow":
      return `uptime check${selector(r.labels)} slower than ${r.threshold} ms${held}`;
    case "check_cert_expiring":
      return `certificate of check${selector(r.labels)} with fewer than ${r.threshold} days left`;
  }
}

/** Which hosts a scope takes in, naming hosts by `names` (id → name). */
export function describeScope(
  scope: Scope,
  exclude: readonly string[],
  names: Readonly<Record<string, string>>,
): string {
  const list = (ids: readonly string[]) => ids.map((id) => names[id] ?? id).join(", ");
  const base = "all" in scope
    ? "every host"
    : "tag" in scope
    ? `hosts tagged ${scope.tag}`
    : list(scope.hosts);
  return exclude.length ? `${base}, except ${list(exclude)}` : base;
}

/** What a silence or window matches: "rule CPU high, host web-1, tag db"; "everything". */
export function describeMatch(
  m: { rule_id: string | null; host_id: string | null; tag: string | null },
  rules: Readonly<Record<string, string>>,
  hosts: Readonly<Record<string, string>>,
): string {
  const parts = [
    m.rule_id !== null && `rule ${rules[m.rule_id] ?? "(removed)"}`,
    m.host_id !== null && `host ${hosts[m.host_id] ?? "(removed)"}`,
    m.tag !== null && `tag ${m.tag}`,
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "everything";
}
