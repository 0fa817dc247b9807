/**
 * The one logger hub and agent write through: one line per event,
 * `time level msg key=value …`, on stderr. Never pass secrets or query
 * parameters as fields.
 */
export type Level = "debug" | "info" | "warn" | "error";

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: number = ORDER[(Deno.env.get("SIGHTLINE_LOG_LEVEL") as Level) ?? "info"] ??
  ORDER.info;

/** Sets the lowest level that is written. */
export function setLogLevel(level: Level): void {
  threshold = ORDER[level];
}

function text(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (value !== null && typeof value === "object") {
    // A plain object (a status, a record) says what it holds, not "[object Object]".
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

function quote(value: unknown): string {
  const s = text(value);
  return /^[\w.:/@+-]+$/.test(s) ? s : JSON.stringify(s);
}

function write(level: Level, scope: string, msg: string, fields: Record<string, unknown>) {
  if (ORDER[level] < threshold) return;
  let line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${scope}: ${msg}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) line += ` ${k}=${quote(v)}`;
  }
  console.error(line);
}

/** A logger bound to one part of the program (`ingest`, `agent.wal`, …). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Returns a logger whose lines name `scope`. */
export function logger(scope: string): Logger {
  return {
    debug: (msg, f = {}) => write("debug", scope, msg, f),
    info: (msg, f = {}) => write("info", scope, msg, f),
    warn: (msg, f = {}) => write("warn", scope, msg, f),
    error: (msg, f = {}) => write("error", scope, msg, f),
  };
}
