/**
 * Whether an alert is muted right now: by a silence (from its start to its
 * end) or by a weekly maintenance window in its time zone. A mute matches
 * by rule, host and tag; each it names must match, one that names none
 * mutes everything. A muted transition still happens and shows on the
 * dashboard; only its notification is held back (engine.ts).
 */
import type { MaintenanceWindow, Silence } from "../store/alerts/types.ts";

/** What a mute is matched against. */
export interface MuteTarget {
  ruleId: string;
  /** Null: an alert on no host, which a mute naming a host or tag does not match. */
  hostId: string | null;
  tags: readonly string[];
}

type Matcher = Pick<Silence, "rule_id" | "host_id" | "tag">;

function matches(m: Matcher, t: MuteTarget): boolean {
  return (m.rule_id === null || m.rule_id === t.ruleId) &&
    (m.host_id === null || m.host_id === t.hostId) &&
    (m.tag === null || t.tags.includes(m.tag));
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const formats = new Map<string, Intl.DateTimeFormat>();

/** The weekday (0 = Sunday) and minute of the day at `at` on the clocks of `timeZone`. */
export function localTime(at: number, timeZone: string): { day: number; minute: number } {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formats.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    day: WEEKDAYS.indexOf(parts.weekday),
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** Whether `timeZone` is one this runtime knows (IANA names such as Europe/Berlin). */
export function knownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether window `w` is open at `at`: some day it starts on began, on local
 * clocks, at most its duration ago. Wall-clock arithmetic: on a night the
 * clocks change, a window is an hour longer or shorter.
 */
export function windowOpen(w: MaintenanceWindow, at: number): boolean {
  const now = localTime(at, w.time_zone);
  const days = Math.ceil((w.start_minute + w.duration_min) / 1440);
  for (let back = 0; back <= days; back++) {
    const day = (now.day - back + 7 * 8) % 7;
    if (!w.days.includes(day)) continue;
    const since = back * 1440 + now.minute - w.start_minute;
    if (since >= 0 && since < w.duration_min) return true;
  }
  return false;
}

/** The silences and windows in force, matched against alerts. */
export class Mutes {
  constructor(
    private silences: readonly Silence[] = [],
    private windows: readonly MaintenanceWindow[] = [],
  ) {}

  /** What mutes `t` at `at`, for the dashboard to say why; null when nothing does. */
  reason(t: MuteTarget, at: number): string | null {
    for (const s of this.silences) {
      if (s.starts_at <= at && at < s.ends_at && matches(s, t)) return `silenced: ${s.reason}`;
    }
    for (const w of this.windows) {
      if (matches(w, t) && windowOpen(w, at)) return `maintenance: ${w.name}`;
    }
    return null;
  }

  muted(t: MuteTarget, at: number): boolean {
    return this.reason(t, at) !== null;
  }
}
