/**
 * What changed on a host, told from what ingest already receives: a Hello
 * compared with the host's stored facts before they are overwritten (kernel,
 * OS, agent version, a new agent process), and each stored batch's uptime
 * compared with the one before it (a reboot). Pure but for the one read a
 * stream's reboot watch makes; hub/ingest/service.ts records what these
 * return before it writes what they were told from, so a failure between
 * repeats the detection and the change's key keeps it one change.
 */
import type { Host, HostInfo } from "../store/hosts/types.ts";
import type { NewHostChange } from "../store/changes/types.ts";

const EARLIEST_MS = Date.UTC(2020, 0, 1);
const MAX_FUTURE_MS = 10 * 60_000;
/**
 * How far the agent's clock may trail the hub's: a process that started
 * longer than this before the host was last heard from was already running
 * then, so its Hello is a reconnect (an agent upgraded before its hub first
 * learned of start times says its start once, and is no restart).
 */
const CLOCK_SLACK_MS = 60_000;

/** The agent process's start time from Hello, or 0 when absent or not plausible. */
export function agentStarted(unixMs: bigint | number, at: number): number {
  const ms = Number(unixMs);
  return Number.isSafeInteger(ms) && ms >= EARLIEST_MS && ms <= at + MAX_FUTURE_MS ? ms : 0;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The changes a Hello says happened since the host's agent last connected:
 * `before` is the host as stored (null: unknown), `info` what Hello says,
 * `started` the agent process's start (0: an agent that does not say), `at`
 * the hub's time. Reconnects of one process say nothing.
 */
export function helloChanges(
  before: Host | null,
  info: HostInfo,
  started: number,
  at: number,
): NewHostChange[] {
  const out: NewHostChange[] = [];
  // A host whose agent never connected has no facts to compare.
  const known = before !== null && before.agent_version !== "";
  const lastHeard = before?.last_seen ? Date.parse(before.last_seen) : null;
  if (started && (lastHeard === null || started >= lastHeard - CLOCK_SLACK_MS)) {
    out.push({
      key: `agent:${started}`,
      ts: started,
      kind: known ? "agent_restart" : "agent_start",
      summary: known ? "Agent restarted" : "Agent connected for the first time",
      details: { started_at: iso(started), agent_version: info.agent_version },
    });
  }
  if (!known) return out;
  // A new kernel or version comes with a new process: its start is when it
  // took effect, and (with the value) what makes it the same change again.
  // An agent that does not say when it started is keyed by the hub's time.
  const when = started || at;
  const facts: Array<[string, string, string, string]> = [
    ["kernel", "Kernel", before.kernel, info.kernel],
    ["os", "OS", before.os, info.os],
    ["agent_version", "Agent", before.agent_version, info.agent_version],
  ];
  for (const [kind, label, was, now] of facts) {
    if (was === now || was === "" || now === "") continue;
    out.push({
      key: `${kind}:${when}:${now}`,
      ts: when,
      kind,
      summary: `${label} ${was} → ${now}`,
      details: { before: was, after: now },
    });
  }
  return out;
}

/** What a reboot is told from: one stored batch's seq, time and the host's uptime. */
export interface UptimeMark {
  seq: number;
  ts: number;
  /** Seconds since the host booted; null when the batch did not say. */
  uptime: number | null;
}

/**
 * A reboot between `prev` and `next` (batches in seq order): the host's
 * uptime went back. Its time is when the host booted by `next`'s clock,
 * kept between the two batches; its key is the batch that showed it.
 * Deliberately only "went back": a wall clock that steps (an NTP sync
 * early in a boot) moves the boot time a batch implies, and only the
 * uptime is monotonic. A reboot whose agent sends its first batch later
 * into the new boot than the last batch was into the old one is missed.
 */
export function rebootChange(prev: UptimeMark | null, next: UptimeMark): NewHostChange | null {
  if (!prev || prev.uptime === null || next.uptime === null || next.seq <= prev.seq) return null;
  if (next.uptime >= prev.uptime) return null;
  const booted = Math.min(next.ts, Math.max(prev.ts, Math.round(next.ts - next.uptime * 1000)));
  return {
    key: `reboot:${next.seq}`,
    ts: booted,
    kind: "reboot",
    summary: "Host rebooted",
    details: { booted_at: iso(booted), uptime_s: next.uptime, previous_uptime_s: prev.uptime },
  };
}

/** The mark of a stored snapshot (`latest`: it carries seq and uptime_s). */
export function markOf(ts: number, latest: Record<string, unknown>): UptimeMark | null {
  const seq = latest.seq;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq)) return null;
  const up = latest.uptime_s;
  return { seq, ts, uptime: typeof up === "number" && Number.isFinite(up) ? up : null };
}

/**
 * One stream's reboot watch: seeded once, at its first batch, from the
 * host's stored snapshot (what the stream before it left), then from each
 * batch it sees. Per stream, not per process: the host may have spoken to
 * another hub in between.
 */
export class RebootWatch {
  #last: UptimeMark | null | undefined;

  constructor(private readonly seed: () => Promise<UptimeMark | null>) {}

  /** The reboot `next` shows, if any; `next` becomes the batch compared with after. */
  async see(next: UptimeMark): Promise<NewHostChange | null> {
    if (this.#last === undefined) this.#last = await this.seed();
    const prev = this.#last;
    if (prev && next.seq <= prev.seq) return null; // an older batch replayed: seen already
    this.#last = next.uptime === null && prev ? { ...prev, seq: next.seq } : next;
    return rebootChange(prev, next);
  }
}
