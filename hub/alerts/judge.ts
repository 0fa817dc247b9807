/**
 * One step of an alert's life, pure: given a rule, what is held for one
 * (rule, host, series) and the latest judgement of its condition, what
 * happens next. The engine (engine.ts) applies the step to the store; the
 * rule editor's preview (preview.ts) replays a day of history through the
 * same function, so what it shows is what the engine would have done.
 *
 * The value compared is each sample as it lands (not an average): a rule
 * with `for_s` fires at the first sample at least `for_s` after the first
 * breaching sample, every sample between breaching too. A firing alert
 * resolves at the first sample no longer beyond its recovery level
 * (hysteresis), and escalates to critical at a sample beyond `critical`.
 */
import { type AlertRule, beyond, levelsFor, type Severity } from "../../lib/alerts/rules.ts";

/** What the engine holds of an open alert, as judging needs it. */
export interface Held {
  state: "pending" | "firing";
  pendingSince: number;
  severity: Severity;
}

export type Step =
  | { kind: "pend"; at: number; severity: Severity }
  /** `since`: when its condition began, when it fires without having been held pending. */
  | { kind: "fire"; at: number; severity: Severity; since?: number }
  | { kind: "cancel" }
  | { kind: "escalate"; at: number }
  /** `reason`: why it closed when no value brought it back (its series is gone). */
  | { kind: "resolve"; at: number; reason?: string }
  | null;

/** The severity a breaching value has under `rule`. */
export function severityOf(rule: AlertRule, value: number): Severity {
  return rule.critical !== null && rule.op && beyond(rule.op, value, rule.critical)
    ? "critical"
    : rule.severity;
}

/**
 * A condition that is simply true or false (a host offline, data absent, a
 * collector failing) at `at`. `since` is when it began, when known (an
 * offline host since its last heartbeat).
 */
export function judgeCondition(
  rule: AlertRule,
  held: Held | undefined,
  breach: boolean,
  at: number,
  severity: Severity = rule.severity,
  since = at,
): Step {
  if (!held) {
    if (!breach) return null;
    return at - since >= rule.for_s * 1000
      ? { kind: "fire", at, severity, since }
      : { kind: "pend", at: since, severity };
  }
  if (held.state === "pending") {
    if (!breach) return { kind: "cancel" };
    return at - held.pendingSince >= rule.for_s * 1000 ? { kind: "fire", at, severity } : null;
  }
  return breach ? null : { kind: "resolve", at };
}

/** A threshold rule's step for one sample of host `hostId`'s series. */
export function judgeValue(
  rule: AlertRule,
  hostId: string,
  held: Held | undefined,
  value: number,
  at: number,
): Step {
  const levels = levelsFor(rule, hostId)!;
  const op = rule.op!;
  const breach = beyond(op, value, levels.threshold);
  if (held?.state === "firing") {
    if (!beyond(op, value, levels.recover)) return { kind: "resolve", at };
    if (held.severity !== "critical" && severityOf(rule, value) === "critical") {
      return { kind: "escalate", at };
    }
    return null;
  }
  return judgeCondition(rule, held, breach, at, breach ? severityOf(rule, value) : rule.severity);
}
