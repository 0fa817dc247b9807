/**
 * Alert rules: what one is, and the one check every entrance uses (the REST
 * API, the rule editor, the defaults). Pure, so the browser's editor checks
 * what the hub will. A rule is stored whole as its spec (hub/store/alerts).
 *
 * Kinds:
 * - `threshold`: a stored metric compared with a threshold; each series the
 *   label selector matches is judged on its own (`mount=*`: every mount).
 * - `offline`: the host has been offline (hub/heartbeat: no heartbeat for
 *   15 s) for `for_s` seconds.
 * - `nodata`: the host is online but has sent no value of the metric for
 *   `for_s` seconds.
 * - `wal_dropping`: the agent's WAL dropped batches (it was full); resolves
 *   once it has dropped none for `for_s` seconds.
 * - `collector_failing`: a collector has reported an error in every batch
 *   for `for_s` seconds (label `collector`).
 * - `check_down`: an uptime check is judged down (hub/probes: k of its
 *   agents failing r rounds in a row); label `check`, an id or `*` for
 *   every check. Fires at once: the check's rounds already say how long.
 * - `check_slow`: an agent's rounds of a check took more than `threshold`
 *   ms, for `for_s` seconds (one alert per agent and check).
 * - `check_cert_expiring`: a TLS check's certificate has fewer than
 *   `threshold` days left (one alert per check).
 */
import { metric } from "../metrics.ts";
import { checkTags } from "../tags.ts";

export const RULE_KINDS = [
  "threshold",
  "offline",
  "nodata",
  "wal_dropping",
  "collector_failing",
  "check_down",
  "check_slow",
  "check_cert_expiring",
] as const;
export type RuleKind = typeof RULE_KINDS[number];
export const OPS = [">", ">=", "<", "<="] as const;
export type Op = typeof OPS[number];
export const SEVERITIES = ["warning", "critical"] as const;
export type Severity = typeof SEVERITIES[number];

/** Which hosts a rule watches. */
export type Scope = { all: true } | { tag: string } | { hosts: string[] };

/** A threshold (and its recovery) of one host, in place of the rule's. */
export interface Override {
  threshold: number;
  recover: number;
}

/** A rule as stored and as the API shows it. */
export interface AlertRule {
  id: string;
  name: string;
  kind: RuleKind;
  /** The metric judged (threshold, nodata); null for the other kinds. */
  metric: string | null;
  /** Label selector: `{mount: "/"}` one series, `{mount: "*"}` each series apart. */
  labels: Record<string, string>;
  /** How a value breaches: `value op threshold`. Null for kinds without a value. */
  op: Op | null;
  threshold: number | null;
  /** A firing alert resolves once the value is no longer beyond this (hysteresis). */
  recover: number | null;
  /** A second, critical level of the same comparison; the alert escalates to it. */
  critical: number | null;
  /** How long the condition must hold before the alert fires, in seconds. */
  for_s: number;
  severity: Severity;
  scope: Scope;
  /** Hosts the scope takes in that this rule leaves alone. */
  exclude: string[];
  /** Per-host thresholds, by host id. */
  overrides: Record<string, Override>;
  /** Seconds between "still firing" reminders; 0 for none. */
  repeat_s: number;
  /** Transitions of this rule within this many seconds make one notification. */
  group_s: number;
  /** Channel ids to notify; null for every enabled channel. */
  channels: string[] | null;
  enabled: boolean;
}

/** A rule as given, before it has an id. */
export type RuleInput = Omit<AlertRule, "id">;

/** Why a rule was refused: the field, and a sentence about it. */
export interface RuleProblem {
  field: string;
  problem: string;
}

export type RuleCheck = { ok: true; rule: RuleInput } | { ok: false; error: RuleProblem };

/** Defaults for what a rule leaves out. */
export const RULE_DEFAULTS = { repeat_s: 4 * 3600, group_s: 30 };
const MAX_DURATION_S = 30 * 86_400;
// deno-lint-ignore no-control-regex
const LABEL_VALUE = /^[^\u0000-\u001f\u007f]{1,200}$/;
/** A label's value: the series' own, `*` for each apart. */
export const EACH = "*";

class Refused extends Error {
  constructor(readonly field: string, problem: string) {
    super(problem);
  }
}

function str(v: unknown, field: string, max: number): string {
  if (typeof v !== "string" || !v.trim()) throw new Refused(field, `${field} must be some text`);
  const s = v.trim();
  if (s.length > max) throw new Refused(field, `${field} is longer than ${max} characters`);
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) {
    throw new Refused(field, `${field} holds control characters`);
  }
  return s;
}

function num(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new Refused(field, `${field} must be a number`);
  }
  return v;
}

function seconds(v: unknown, field: string, fallback: number, max = MAX_DURATION_S): number {
  if (v === undefined || v === null) return fallback;
  const n = num(v, field);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new Refused(field, `${field} must be a whole number of seconds from 0 to ${max}`);
  }
  return n;
}

function pick<T extends string>(v: unknown, field: string, allowed: readonly T[], fallback?: T): T {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw new Refused(field, `${field} must be one of ${allowed.join(", ")}`);
}

function ids(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || !x || x.length > 64)) {
    throw new Refused(field, `${field} must be a list of ids`);
  }
  if (v.length > 10_000) throw new Refused(field, `${field} lists too many`);
  return [...new Set(v as string[])];
}

function scopeOf(v: unknown): Scope {
  if (v === undefined) return { all: true };
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new Refused("scope", 'scope must be {"all": true}, {"tag": "…"} or {"hosts": […]}');
  }
  const s = v as Record<string, unknown>;
  const keys = Object.keys(s);
  if (keys.length !== 1) {
    throw new Refused("scope", 'scope must be {"all": true}, {"tag": "…"} or {"hosts": […]}');
  }
  if (s.all === true) return { all: true };
  if ("tag" in s) {
    const check = typeof s.tag === "string" ? checkTags(s.tag) : null;
    if (!check?.ok || check.tags.length !== 1) {
      throw new Refused(
        "scope.tag",
        check && !check.ok ? check.problem : "scope.tag must be one tag",
      );
    }
    return { tag: check.tags[0] };
  }
  if ("hosts" in s) {
    const hosts = ids(s.hosts, "scope.hosts");
    if (!hosts.length) throw new Refused("scope.hosts", "scope.hosts names no host");
    return { hosts };
  }
  throw new Refused("scope", 'scope must be {"all": true}, {"tag": "…"} or {"hosts": […]}');
}

function labelsOf(v: unknown, kind: RuleKind, metricName: string | null): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    throw new Refused("labels", 'labels must be an object such as {"mount": "/"}');
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 1) throw new Refused("labels", "labels may select on one label");
  const out: Record<string, string> = {};
  for (const [k, value] of entries) {
    const want = kind === "collector_failing"
      ? "collector"
      : kind.startsWith("check_")
      ? "check"
      : metricName
      ? metric(metricName)?.label
      : "";
    if (!want || k !== want) {
      throw new Refused(
        "labels",
        want ? `labels may only select on "${want}"` : `${metricName ?? kind} has no labels`,
      );
    }
    if (typeof value !== "string" || !LABEL_VALUE.test(value)) {
      throw new Refused(`labels.${k}`, `labels.${k} must be a value or "*"`);
    }
    out[k] = value;
  }
  return out;
}

/** Whether `value` breaches `threshold` by `op`. */
export function beyond(op: Op, value: number, threshold: number): boolean {
  switch (op) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
  }
}

/** A recovery level must lie on the safe side of the threshold (or on it). */
function checkRecover(op: Op, threshold: number, recover: number, field: string) {
  const above = op === ">" || op === ">=";
  if (above ? recover > threshold : recover < threshold) {
    throw new Refused(
      field,
      `${field} must be ${
        above ? "at or below" : "at or above"
      } the threshold (${threshold}) for ${op}`,
    );
  }
}

function overridesOf(v: unknown, op: Op | null): Record<string, Override> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    throw new Refused("overrides", 'overrides must be {"<host id>": {"threshold": n}}');
  }
  const out: Record<string, Override> = {};
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length && !op) throw new Refused("overrides", "only a threshold rule has overrides");
  for (const [hostId, o] of entries) {
    const field = `overrides.${hostId.slice(0, 64)}`;
    if (typeof o !== "object" || o === null) throw new Refused(field, `${field} must be an object`);
    const t = num((o as Record<string, unknown>).threshold, `${field}.threshold`);
    const rRaw = (o as Record<string, unknown>).recover;
    const r = rRaw === undefined || rRaw === null ? t : num(rRaw, `${field}.recover`);
    checkRecover(op!, t, r, `${field}.recover`);
    out[hostId] = { threshold: t, recover: r };
  }
  return out;
}

/** Checks a whole rule as given (JSON from a client); `ok: false` names the field. */
export function checkRule(raw: unknown): RuleCheck {
  try {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new Refused("rule", "The rule must be a JSON object");
    }
    const r = raw as Record<string, unknown>;
    const name = str(r.name, "name", 100);
    const kind = pick(r.kind, "kind", RULE_KINDS, "threshold");
    const usesMetric = kind === "threshold" || kind === "nodata";
    let metricName: string | null = null;
    if (usesMetric) {
      const m = str(r.metric, "metric", 100);
      if (!metric(m)) throw new Refused("metric", `Unknown metric: ${m.slice(0, 100)}`);
      metricName = m;
    } else if (r.metric !== undefined && r.metric !== null) {
      throw new Refused("metric", `A ${kind} rule has no metric`);
    }
    let op: Op | null = null;
    let threshold: number | null = null;
    let recover: number | null = null;
    let critical: number | null = null;
    if (kind === "threshold") {
      op = pick(r.op, "op", OPS);
      threshold = num(r.threshold, "threshold");
      recover = r.recover === undefined || r.recover === null
        ? threshold
        : num(r.recover, "recover");
      checkRecover(op, threshold, recover, "recover");
      if (r.critical !== undefined && r.critical !== null) {
        critical = num(r.critical, "critical");
        if (!beyond(op, critical, threshold) && critical !== threshold) {
          throw new Refused(
            "critical",
            `critical must be beyond the threshold (${op} ${threshold})`,
          );
        }
      }
    } else if (kind === "check_slow" || kind === "check_cert_expiring") {
      // The comparison is the kind's own: slower than, or fewer days left than.
      for (const f of ["op", "recover", "critical"]) {
        if (r[f] !== undefined && r[f] !== null) {
          throw new Refused(f, `A ${kind} rule has no ${f}: its threshold says it all`);
        }
      }
      op = kind === "check_slow" ? ">" : "<";
      threshold = num(r.threshold, "threshold");
      if (threshold <= 0) throw new Refused("threshold", "threshold must be above 0");
      recover = threshold;
    } else {
      for (const f of ["op", "threshold", "recover", "critical"]) {
        if (r[f] !== undefined && r[f] !== null) {
          throw new Refused(f, `A ${kind} rule has no ${f}`);
        }
      }
    }
    const fallbackFor = kind === "offline" ? 60 : kind === "wal_dropping" ? 600 : 0;
    const forS = seconds(r.for_s, "for_s", fallbackFor);
    if (kind === "check_down" && forS !== 0) {
      throw new Refused(
        "for_s",
        "A check_down rule fires at once: the check's rounds say how long",
      );
    }
    if ((kind === "offline" || kind === "nodata") && forS < 1) {
      throw new Refused("for_s", `A ${kind} rule needs for_s of at least 1 second`);
    }
    const severity = pick(r.severity, "severity", SEVERITIES, "warning");
    if (critical !== null && severity === "critical") {
      throw new Refused("critical", "critical is a second level above a warning rule's threshold");
    }
    const scope = scopeOf(r.scope);
    const exclude = r.exclude === undefined || r.exclude === null ? [] : ids(r.exclude, "exclude");
    const channels = r.channels === undefined || r.channels === null
      ? null
      : ids(r.channels, "channels");
    if (r.enabled !== undefined && typeof r.enabled !== "boolean") {
      throw new Refused("enabled", "enabled must be true or false");
    }
    return {
      ok: true,
      rule: {
        name,
        kind,
        metric: metricName,
        labels: labelsOf(r.labels, kind, metricName),
        op,
        threshold,
        recover,
        critical,
        for_s: forS,
        severity,
        scope,
        exclude,
        overrides: overridesOf(r.overrides, op),
        repeat_s: seconds(r.repeat_s, "repeat_s", RULE_DEFAULTS.repeat_s),
        group_s: seconds(r.group_s, "group_s", RULE_DEFAULTS.group_s, 3600),
        channels,
        enabled: r.enabled === undefined ? true : r.enabled as boolean,
      },
    };
  } catch (err) {
    if (err instanceof Refused) {
      return { ok: false, error: { field: err.field, problem: err.message } };
    }
    throw err;
  }
}

/** The rules a new hub starts with (each editable and removable). */
export const DEFAULT_RULES: ReadonlyArray<{ key: string; rule: RuleInput }> = [
  {
    key: "host-offline",
    rule: rule({ name: "Host offline", kind: "offline", for_s: 60, severity: "critical" }),
  },
  {
    key: "cpu-high",
    rule: rule({
      name: "CPU above 90 %",
      metric: "cpu_percent",
      op: ">",
      threshold: 90,
      recover: 80,
      for_s: 300,
    }),
  },
  {
    key: "memory-high",
    rule: rule({
      name: "Memory above 90 %",
      metric: "mem_used_percent",
      op: ">",
      threshold: 90,
      recover: 85,
      for_s: 300,
    }),
  },
  {
    key: "disk-full",
    rule: rule({
      name: "Filesystem above 90 %",
      metric: "fs_used_percent",
      labels: { mount: EACH },
      op: ">",
      threshold: 90,
      recover: 85,
      for_s: 300,
      critical: 95,
    }),
  },
];

function rule(partial: Partial<RuleInput> & { name: string }): RuleInput {
  const check = checkRule(partial);
  if (!check.ok) throw new Error(`Default rule ${partial.name}: ${check.error.problem}`);
  return check.rule;
}

/** Canonical text of a label set (`mount=/`), the key an alert is kept under. */
export function labelsKey(labels: Record<string, string>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(",");
}

/** What a host is, for matching a scope. */
export interface ScopedHost {
  id: string;
  tags: readonly string[];
}

/** Whether `rule` watches `host`. */
export function inScope(rule: AlertRule, host: ScopedHost): boolean {
  if (rule.exclude.includes(host.id)) return false;
  const s = rule.scope;
  if ("all" in s) return true;
  if ("tag" in s) return host.tags.includes(s.tag);
  return s.hosts.includes(host.id);
}

/** The threshold and recovery that apply to `hostId`. */
export function levelsFor(rule: AlertRule, hostId: string): Override | null {
  if (rule.threshold === null) return null;
  return rule.overrides[hostId] ?? { threshold: rule.threshold, recover: rule.recover! };
}
