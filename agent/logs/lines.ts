/**
 * Lines out of the bytes of a log file: split on newlines, capped at 16 KiB
 * (a longer line is cut, marked, and the rest of it skipped up to its
 * newline, so a 10 MB line never sits in memory), bytes that are not UTF-8
 * replaced rather than fatal, and a level read from the words most log
 * formats use.
 */

/** The longest line kept, in bytes; the cut part ends with {@link CUT_MARK}. */
export const MAX_LINE_BYTES = 16 * 1024;
export const CUT_MARK = " …[cut]";

const NL = 10;
const CR = 13;
const decoder = new TextDecoder("utf-8", { fatal: false });

/** One line as read. */
export interface Line {
  text: string;
  truncated: boolean;
}

/** What {@link splitLines} made of a buffer. */
export interface Split {
  lines: Line[];
  /** Bytes of the buffer used up: the lines, and what a cut line skipped. */
  consumed: number;
  /** The buffer ended inside a cut line: what follows is skipped up to its newline. */
  skipping: boolean;
}

/**
 * Decodes a line's bytes: invalid UTF-8 becomes U+FFFD, and so does NUL,
 * which PostgreSQL's text cannot hold.
 */
export function decodeLine(bytes: Uint8Array): string {
  const text = decoder.decode(bytes);
  return text.includes("\0") ? text.replaceAll("\0", "\uFFFD") : text;
}

/** Bytes `[from, to)` cut back to a UTF-8 character boundary. */
function cut(buf: Uint8Array, from: number, to: number): Line {
  let end = Math.min(to, from + MAX_LINE_BYTES);
  while (end > from && (buf[end] & 0xc0) === 0x80) end--;
  return { text: decodeLine(buf.subarray(from, end)) + CUT_MARK, truncated: true };
}

/**
 * Splits `buf` (the file's bytes from some offset) into whole lines, at most
 * `maxLines`. A last line without its newline is left for the next read
 * unless `final` (the file will not grow again) or it is already past the
 * cap. `skipping` says the buffer starts inside a line already cut.
 */
export function splitLines(
  buf: Uint8Array,
  skipping: boolean,
  final: boolean,
  maxLines = Infinity,
): Split {
  const lines: Line[] = [];
  let i = 0;
  while (i < buf.length && lines.length < maxLines) {
    const nl = buf.indexOf(NL, i);
    if (skipping) {
      if (nl < 0) return { lines, consumed: buf.length, skipping: true };
      skipping = false;
      i = nl + 1;
      continue;
    }
    if (nl < 0) {
      const rest = buf.length - i;
      if (rest > MAX_LINE_BYTES) {
        lines.push(cut(buf, i, buf.length));
        return { lines, consumed: buf.length, skipping: true };
      }
      if (final) {
        lines.push({ text: decodeLine(trimCr(buf.subarray(i))), truncated: false });
        i = buf.length;
      }
      break;
    }
    const end = nl > i && buf[nl - 1] === CR ? nl - 1 : nl;
    lines.push(
      end - i > MAX_LINE_BYTES
        ? cut(buf, i, end)
        : { text: decodeLine(buf.subarray(i, end)), truncated: false },
    );
    i = nl + 1;
  }
  return { lines, consumed: i, skipping };
}

function trimCr(b: Uint8Array): Uint8Array {
  return b.length && b[b.length - 1] === CR ? b.subarray(0, b.length - 1) : b;
}

const LEVEL_RE =
  /\b(emerg(?:ency)?|alert|fatal|panic|crit(?:ical)?|err(?:or)?|warn(?:ing)?|notice|info|debug|trace)\b/i;
const LEVELS: Record<string, string> = {
  emerg: "error",
  emergency: "error",
  alert: "error",
  fatal: "error",
  panic: "error",
  crit: "error",
  critical: "error",
  err: "error",
  error: "error",
  warn: "warn",
  warning: "warn",
  notice: "info",
  info: "info",
  debug: "debug",
  trace: "debug",
};

/**
 * The level a line says it has ("error", "warn", "info", "debug"), from the
 * first such word in its first 200 characters (`ERROR`, `level=warn`,
 * `"level":"info"`, `[debug]`); "" when it names none.
 */
export function detectLevel(text: string): string {
  const m = LEVEL_RE.exec(text.length > 200 ? text.slice(0, 200) : text);
  return m ? LEVELS[m[1].toLowerCase()] : "";
}

/** The levels the hub knows, for a journal priority (syslog severities 0–7). */
export function priorityLevel(priority: number): string {
  if (priority <= 3) return "error";
  if (priority === 4) return "warn";
  if (priority <= 6) return "info";
  return "debug";
}
