/**
 * The systemd journal as a log source: one `journalctl --output=json
 * --follow` per journal source (its units as `-u` filters), resumed with
 * `--after-cursor` from the cursor kept in the agent's KV in the same
 * commit as the batch holding the entry (Wal.append's `also`), so a restart
 * loses and repeats nothing. A source the agent has no cursor for starts at
 * the journal's end (`--lines=0`): the hub asked for what comes, not for a
 * host's whole history. PRIORITY (syslog severity) gives the level; a field
 * journalctl prints as an array is multi-valued (strings) or binary (byte
 * values), and both become text.
 */
import {
  createLogBatch,
  encodeAgentMessage,
  type LogLine,
} from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import type { Logger } from "../../lib/log.ts";
import type { Wal } from "../wal.ts";
import { CUT_MARK, decodeLine, MAX_LINE_BYTES, priorityLevel } from "./lines.ts";
import type { RateLimit } from "./rate.ts";
import { BATCH_BYTES } from "./reader.ts";

/** A journal source as the hub set it. */
export interface JournalSource {
  id: string;
  units: string[];
}

export interface JournalOptions {
  wal: Wal;
  log: Logger;
  rate: RateLimit;
  sender?: { notify(): void };
  /** journalctl's binary (tests may point elsewhere). */
  journalctl?: string;
  /** Read this directory's journal files instead of the system journal (tests). */
  directory?: string;
  /** Where a source with no cursor starts: the journal's end (default) or its beginning. */
  startAt?: "end" | "beginning";
}

const KV_PREFIX = "logs.journal";

/** A field's value as text: a string, bytes (binary), or several of either. */
export function fieldText(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "number")) return decodeLine(new Uint8Array(v as number[]));
    return v.map(fieldText).join("\n");
  }
  return v === undefined || v === null ? "" : String(v);
}

function capped(text: string): { text: string; truncated: boolean } {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= MAX_LINE_BYTES) return { text, truncated: false };
  let end = MAX_LINE_BYTES;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return { text: decodeLine(bytes.subarray(0, end)) + CUT_MARK, truncated: true };
}

/** One journal entry (journalctl's JSON) as a line of `sourceId`. */
export function entryLine(e: Record<string, unknown>, sourceId: string): LogLine {
  const { text, truncated } = capped(fieldText(e.MESSAGE));
  const priority = Number(fieldText(e.PRIORITY));
  const us = Number(fieldText(e.__REALTIME_TIMESTAMP));
  return {
    unixMs: Number.isFinite(us) && us > 0 ? Math.floor(us / 1000) : Date.now(),
    sourceId,
    origin: "journal",
    level: Number.isInteger(priority) && priority >= 0 ? priorityLevel(priority) : "",
    message: text,
    truncated,
    unit: fieldText(e._SYSTEMD_UNIT ?? e.SYSLOG_IDENTIFIER ?? "").slice(0, 256),
  };
}

/** Follows one journal source until `signal` aborts or journalctl ends. */
export async function followJournal(
  src: JournalSource,
  opts: JournalOptions,
  signal: AbortSignal,
): Promise<void> {
  const key = [KV_PREFIX, src.id];
  const cursor = (await opts.wal.kv.get<string>(key)).value;
  const args = ["--output=json", "--follow", "--no-pager", "--all"];
  if (opts.directory) args.push(`--directory=${opts.directory}`);
  // --follow alone starts ten entries from the end; --lines=all lifts that,
  // after a cursor too.
  if (cursor) args.push(`--after-cursor=${cursor}`, "--lines=all");
  else args.push((opts.startAt ?? "end") === "end" ? "--lines=0" : "--lines=all");
  for (const u of src.units) args.push(`--unit=${u}`);
  const child = new Deno.Command(opts.journalctl ?? "journalctl", {
    args,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    signal,
  }).spawn();
  const errText = new Response(child.stderr).text().catch(() => "");
  const decoder = new TextDecoder();
  let rest = "";
  try {
    for await (const chunk of child.stdout) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      let lines: LogLine[] = [];
      let bytes = 0;
      let last: string | null = null;
      const flush = async () => {
        const dropped = opts.rate.takeDropped();
        if (!lines.length && !dropped && last === null) return;
        const batch = lines;
        const at = last;
        lines = [];
        bytes = 0;
        last = null;
        await opts.wal.append(
          (seq) =>
            encodeAgentMessage({
              kind: {
                case: "logs",
                value: createLogBatch({
                  seq,
                  unixMs: Date.now(),
                  lines: batch,
                  droppedLines: dropped,
                }),
              },
            }),
          (op) => {
            if (at !== null) op.set(key, at);
          },
        );
        opts.sender?.notify();
      };
      for (const text of parts) {
        if (!text) continue;
        let e: Record<string, unknown>;
        try {
          e = JSON.parse(text);
        } catch {
          continue; // journalctl prints only JSON lines; anything else is not an entry
        }
        last = fieldText(e.__CURSOR) || last;
        if (!opts.rate.admit()) continue;
        const line = entryLine(e, src.id);
        lines.push(line);
        bytes += line.message.length * 3 + line.unit.length + 64;
        if (bytes >= BATCH_BYTES) await flush();
      }
      await flush();
    }
  } catch (err) {
    if (!signal.aborted) {
      try {
        child.kill();
      } catch { /* already ended */ }
      throw err;
    }
  }
  const status = await child.status;
  if (!signal.aborted && !status.success) {
    throw new Error(`journalctl exited ${status.code}: ${(await errText).trim().slice(0, 300)}`);
  }
}
