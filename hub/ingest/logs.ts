/**
 * A log batch as an agent sent it, checked and turned into what the log
 * store keeps. A line is the agent's say and may hold anything: what breaks
 * the store (NUL, which PostgreSQL's text refuses) is replaced, what is too
 * long is cut with the agent's own mark, a time from a clock far off is the
 * hub's time; only a batch past the limits of the protocol is refused.
 */
import type { LogBatch } from "../../proto/gen/sightline/agent/v1/agent_pb.ts";
import type { StoredLogBatch } from "../store/logs/types.ts";
import { InvalidMessage } from "./convert.ts";
import type { LogLinesData } from "../../lib/live_events.ts";

/** Lines of one batch the live tail gets at most: its newest. */
const LIVE_LINES = 100;
const LIVE_CHARS = 1000;

/** The live event of a stored batch: its newest lines, cut for reading along. */
export function liveLines(hostId: string, b: StoredLogBatch): LogLinesData {
  const from = Math.max(0, b.lines.length - LIVE_LINES);
  return {
    id: hostId,
    count: b.lines.length,
    lines: b.lines.slice(from).map((l, i) => ({
      // Unique per host and batch; the store's ids are not read back on the write path.
      id: `${b.seq}.${from + i}`,
      ts: new Date(l.ts).toISOString(),
      source: l.source_id,
      origin: l.origin,
      level: l.level,
      message: l.message.length > LIVE_CHARS ? l.message.slice(0, LIVE_CHARS) + "…" : l.message,
    })),
  };
}

/** The levels lines are stored under ("" when the line names none). */
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
const LEVELS = new Set<string>(LOG_LEVELS);
/** The agent cuts at 16 KiB of UTF-8; in UTF-16 units that is at most as many. */
const MAX_MESSAGE = 16 * 1024 + 16;
const MAX_LINES = 20_000;
const MAX_ERRORS = 64;
const EARLIEST_MS = Date.UTC(2020, 0, 1);
const MAX_FUTURE_MS = 10 * 60_000;
const CUT_MARK = " …[cut]";

function clean(s: string, max: number): string {
  const t = s.includes("\0") ? s.replaceAll("\0", "\uFFFD") : s;
  return t.length > max ? t.slice(0, max) + CUT_MARK : t;
}

/** Validates a log batch for the store; throws {@link InvalidMessage} past the protocol's limits. */
export function logBatchToStored(b: LogBatch, now: number): StoredLogBatch {
  const seq = Number(b.seq);
  // As every batch kind: past the int64 a database holds, the write would fail the stream
  // and the agent would send the same batch forever.
  if (seq < 1 || !Number.isSafeInteger(seq)) throw new InvalidMessage("seq must be at least 1");
  if (b.lines.length > MAX_LINES) {
    throw new InvalidMessage(`lines has more than ${MAX_LINES} entries`);
  }
  if (b.errors.length > MAX_ERRORS) {
    throw new InvalidMessage(`errors has more than ${MAX_ERRORS} entries`);
  }
  const at = (ms: bigint) => {
    const n = Number(ms);
    return Number.isFinite(n) && n >= EARLIEST_MS && n <= now + MAX_FUTURE_MS ? n : now;
  };
  return {
    seq,
    ts: at(b.unixMs),
    lines: b.lines.map((l) => ({
      ts: at(l.unixMs),
      source_id: clean(l.sourceId, 64),
      origin: clean(l.unit ? `journal:${l.unit}` : l.origin, 1024),
      level: LEVELS.has(l.level) ? l.level : "",
      message: clean(l.message, MAX_MESSAGE),
    })),
    dropped: Math.max(0, Number(b.droppedLines)),
    errors: b.errors.map((e) => ({
      source_id: clean(e.collector.replace(/^logs:/, ""), 64),
      message: clean(e.message, 1024),
    })),
  };
}
