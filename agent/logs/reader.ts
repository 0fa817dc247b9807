/**
 * The log job's reader: the file sources the hub set (desired state), the
 * files each names now, what was read of each (files.ts), and the batches
 * that carry the lines through the WAL. A batch and the read positions of
 * its lines are one atomic commit in the agent's KV (Wal.append's `also`):
 * a SIGKILL at any moment leaves either both or neither, so a restart loses
 * and repeats nothing.
 */
import {
  createLogBatch,
  encodeAgentMessage,
  type LogLine,
} from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import type { Logger } from "../../lib/log.ts";
import type { Wal } from "../wal.ts";
import type { AllowList } from "./allow.ts";
import { type Checkpoint, expand, locate, TailedFile } from "./files.ts";
import { detectLevel, type Line } from "./lines.ts";
import { RateLimit } from "./rate.ts";

/** A file source as the hub set it. */
export interface FileSource {
  id: string;
  path: string;
}

/** What the reader needs from the agent. */
export interface ReaderOptions {
  wal: Wal;
  /** The file sources in force (read at every poll: a push applies at the next). */
  sources: () => FileSource[];
  allow: AllowList;
  /** Told after each batch is in the WAL (the hub link). */
  sender?: { notify(): void };
  log: Logger;
  /** Lines per second the host may send; past it lines are dropped and counted. */
  rateLinesPerS?: number;
  /** The host's limiter, shared with the journal reader (else one of `rateLinesPerS`). */
  rate?: RateLimit;
  /** How long a file rotated away is still read after it last grew. */
  rotatedIdleMs?: number;
  /**
   * How often a source's wildcards are expanded again (new names found); the
   * names found are looked at every poll, so a rotation is seen at once.
   */
  globEveryMs?: number;
  now?: () => number;
}

/** A batch's encoded size stays under this (the WAL commits a batch in one KV transaction). */
export const BATCH_BYTES = 128 * 1024;
/** Bytes read from one file per poll, so one busy file cannot starve the others. */
const POLL_BYTES_PER_FILE = 1024 * 1024;
const DEFAULT_RATE = 5000;
const DEFAULT_ROTATED_IDLE_MS = 5000;
const DEFAULT_GLOB_EVERY_MS = 5000;
const KV_PREFIX = "logs.file";

interface Pending {
  lines: LogLine[];
  bytes: number;
  checkpoints: Map<string, Checkpoint | null>;
}

/** Reads every file source once per {@link LogReader.poll}. */
export class LogReader {
  #tracked = new Map<string, TailedFile>();
  #saved = new Map<string, Checkpoint>();
  #loaded = false;
  /** Sources whose saved positions were looked for since the reader started. */
  #recovering = new Set<string>();
  #pending: Pending = { lines: [], bytes: 0, checkpoints: new Map() };
  /** Each source's current refusal or failure, sent once when it changes. */
  #errors = new Map<string, string>();
  #newErrors: Array<{ collector: string; message: string }> = [];
  #rate: RateLimit;
  #now: () => number;
  /** Each source's names as last expanded, and when. */
  #expanded = new Map<string, { pattern: string; at: number; paths: string[] }>();

  constructor(private opts: ReaderOptions) {
    this.#now = opts.now ?? Date.now;
    this.#rate = opts.rate ?? new RateLimit(opts.rateLinesPerS ?? DEFAULT_RATE, this.#now);
  }

  async #load(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    for await (const e of this.opts.wal.kv.list<Checkpoint>({ prefix: [KV_PREFIX] })) {
      const [, source, key] = e.key as [string, string, string];
      this.#saved.set(`${source}|${key}`, e.value);
    }
  }

  /**
   * One pass: finds the sources' files, reads what each gained, and appends
   * the lines to the WAL in batches under {@link BATCH_BYTES}.
   */
  async poll(): Promise<void> {
    await this.#load();
    const now = this.#now();
    const sources = this.opts.sources();
    const ids = new Set(sources.map((s) => s.id));
    // A source the hub removed: its files are closed and their positions forgotten.
    for (const [k, t] of this.#tracked) {
      if (!ids.has(k.slice(0, k.indexOf("|")))) {
        t.close();
        this.#tracked.delete(k);
      }
    }
    for (const [k] of this.#saved) {
      if (!ids.has(k.slice(0, k.indexOf("|")))) this.#forget(k);
    }
    for (const k of this.#errors.keys()) if (!ids.has(k)) this.#errors.delete(k);
    for (const k of this.#expanded.keys()) if (!ids.has(k)) this.#expanded.delete(k);

    const seen = new Set<string>();
    for (const src of sources) await this.#discover(src, seen);
    // A file whose name no longer leads to it was rotated away or deleted: it is
    // read to its end, in order before the new file at its name (found after it,
    // and left unread while the old one still has more than a poll's share).
    const behind = new Set<string>();
    for (const [k, t] of this.#tracked) {
      if (!seen.has(k)) t.rotatedAt ??= now;
      if (t.rotatedAt === null && behind.has(t.origin)) continue;
      const sourceId = k.slice(0, k.indexOf("|"));
      const done = t.rotatedAt !== null &&
        now - t.rotatedAt >= (this.opts.rotatedIdleMs ?? DEFAULT_ROTATED_IDLE_MS);
      const before = t.checkpoint.offset;
      let all = true;
      try {
        all = await t.read(
          done,
          POLL_BYTES_PER_FILE,
          (lines, cp) => this.#take(sourceId, t, k, lines, cp),
        );
        // Still written to after its rotation (a writer not yet reopened): keep reading.
        if (t.rotatedAt !== null && t.checkpoint.offset !== before) t.rotatedAt = now;
      } catch (err) {
        this.#fail(sourceId, `cannot read ${t.origin}: ${(err as Error).message}`);
      }
      // A rotated file with more than a poll's share unread is read on at the next poll.
      if (t.rotatedAt !== null && !all) behind.add(t.origin);
      if (done && all) {
        // Read to its end and named by no source: its position is dropped with it (in the
        // commit of its last lines), or every rotated file would leave one behind for good.
        t.close();
        this.#tracked.delete(k);
        this.#forget(k);
      }
    }
    await this.#flush(true);
  }

  /** Opens the files of `src` not yet tailed; marks those seen under their name. */
  async #discover(src: FileSource, seen: Set<string>): Promise<void> {
    let refused: string | null = null;
    let failed: string | null = null;
    if (!this.opts.allow.reaches(src.path)) {
      return this.#fail(src.id, this.opts.allow.tooWide(src.path));
    }
    const paths = this.#expand(src);
    const first = !this.#recovering.has(src.id);
    if (!paths.length && !this.opts.allow.allows(src.path)) {
      refused = this.opts.allow.refusal(src.path);
    }
    // Positions saved before a restart whose file moved (rotated while the
    // agent was down), looked for once per source and process.
    for (const [k, cp] of this.#recovering.has(src.id) ? [] : this.#saved) {
      if (!k.startsWith(`${src.id}|`) || this.#tracked.has(k)) continue;
      const at = locate(cp);
      if (at === null) {
        this.#forget(k);
        continue;
      }
      if (at !== cp.path && !paths.includes(at)) await this.#open(src, at, k, seen, false);
    }
    if (first) this.#recovering.add(src.id);
    for (const path of paths) {
      let real: string;
      let st: Deno.FileInfo;
      try {
        real = Deno.realPathSync(path);
        st = Deno.statSync(real);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) {
          failed = `cannot read ${path}: ${(err as Error).message}`;
        }
        continue;
      }
      if (!this.opts.allow.allows(real)) {
        refused = this.opts.allow.refusal(path);
        continue;
      }
      if (!st.isFile) continue;
      const k = `${src.id}|${TailedFile.key(st)}`;
      const t = this.#tracked.get(k);
      if (t) {
        t.seenAt(path);
        seen.add(k);
        continue;
      }
      try {
        await this.#open(src, path, k, seen, true);
      } catch (err) {
        failed = `cannot read ${path}: ${(err as Error).message}`;
      }
    }
    const problem = refused ?? failed;
    if (problem) this.#fail(src.id, problem);
    else this.#errors.delete(src.id);
  }

  async #open(src: FileSource, path: string, k: string, seen: Set<string>, named: boolean) {
    const tailed = await TailedFile.open(path, this.#saved.get(k));
    // Only the file that was checked is read: the name may point elsewhere by the time it is
    // opened (rotated in between, or swapped for a symlink to a file the allow-list refuses,
    // by someone who can write the directory). Another inode waits for the next poll, where
    // it is checked in its turn.
    const key = `${src.id}|${tailed.key}`;
    if (key !== k || this.#tracked.has(key)) {
      tailed.close();
      if (named && key === k) seen.add(key);
      return;
    }
    this.#tracked.set(key, tailed);
    if (named) seen.add(key);
  }

  /** The names `src` matches: a wildcard pattern is expanded again every `globEveryMs`. */
  #expand(src: FileSource): string[] {
    const now = this.#now();
    const had = this.#expanded.get(src.id);
    const every = this.opts.globEveryMs ?? DEFAULT_GLOB_EVERY_MS;
    if (had && had.pattern === src.path && now - had.at < every) return had.paths;
    const paths = expand(src.path);
    this.#expanded.set(src.id, { pattern: src.path, at: now, paths });
    return paths;
  }

  #fail(sourceId: string, message: string): void {
    if (this.#errors.get(sourceId) === message) return;
    this.#errors.set(sourceId, message);
    this.#newErrors.push({ collector: `logs:${sourceId}`, message });
    this.opts.log.warn("Log source refused or failing", { source: sourceId, error: message });
  }

  #forget(k: string): void {
    this.#saved.delete(k);
    this.#pending.checkpoints.set(k, null);
  }

  async #take(sourceId: string, t: TailedFile, k: string, lines: Line[], cp: Checkpoint) {
    const now = this.#now();
    for (const l of lines) {
      if (!this.#rate.admit()) continue;
      this.#pending.lines.push({
        unixMs: now,
        sourceId,
        origin: t.origin,
        level: detectLevel(l.text),
        message: l.text,
        truncated: l.truncated,
        unit: "",
      });
      // An upper bound of the encoded size: UTF-16 units × 3 covers any UTF-8.
      this.#pending.bytes += l.text.length * 3 + t.origin.length + sourceId.length + 32;
    }
    this.#pending.checkpoints.set(k, cp);
    this.#saved.set(k, cp);
    if (this.#pending.bytes >= BATCH_BYTES) await this.#flush(false);
  }

  /**
   * Appends what is pending as one batch, with its checkpoints in the same
   * commit. Checkpoints alone (lines dropped, a cut line skipped) are written
   * without a batch at the end of a poll.
   */
  async #flush(end: boolean): Promise<void> {
    const p = this.#pending;
    const dropped = this.#rate.takeDropped();
    const hasBatch = p.lines.length > 0 || this.#newErrors.length > 0 || dropped > 0;
    if (!hasBatch && !(end && p.checkpoints.size)) return;
    this.#pending = { lines: [], bytes: 0, checkpoints: new Map() };
    const errors = this.#newErrors;
    this.#newErrors = [];
    const also = (op: Deno.AtomicOperation) => {
      for (const [k, cp] of p.checkpoints) {
        const i = k.indexOf("|");
        const key = [KV_PREFIX, k.slice(0, i), k.slice(i + 1)];
        if (cp) op.set(key, cp);
        else op.delete(key);
      }
    };
    if (!hasBatch) {
      const op = this.opts.wal.kv.atomic();
      also(op);
      await op.commit();
      return;
    }
    const seq = await this.opts.wal.append(
      (s) =>
        encodeAgentMessage({
          kind: {
            case: "logs",
            value: createLogBatch({
              seq: s,
              unixMs: this.#now(),
              lines: p.lines,
              droppedLines: dropped,
              errors,
            }),
          },
        }),
      also,
    );
    this.opts.log.debug("Log batch queued", { seq, lines: p.lines.length });
    this.opts.sender?.notify();
  }

  /** Closes every file (the positions are already kept). */
  close(): void {
    for (const t of this.#tracked.values()) t.close();
    this.#tracked.clear();
  }
}
