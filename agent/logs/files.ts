/**
 * File tailing that survives rotation. A file is known by device and inode
 * plus a fingerprint of its first bytes, never by its name: a name is only
 * where the file was found. Every open file is kept open, so what is written
 * to it before it is renamed away or deleted can still be read:
 *
 * - rename-and-create: the old inode's rest is read through its open handle,
 *   then the new file at the name from its start;
 * - delete-and-recreate: the same (the deleted inode stays readable while
 *   open, and cannot be reused while it is);
 * - copytruncate: the same inode shrinks, or its first bytes change; the rest
 *   past the offset is read from the copy (a sibling whose first bytes match
 *   the fingerprint), then the file from its start.
 *
 * Compressed rotated files (.gz, .xz, …) are never read. Positions are kept
 * in the agent's Deno KV only with the batch that holds their lines (the
 * WAL's append commits both, see LogReader), so after SIGKILL the reader
 * resumes exactly where the last kept batch ended: a file rotated while the
 * agent was down is found again by its inode among its siblings, or by its
 * fingerprint for a copy.
 */
import { basename, dirname, join } from "node:path";
import { globSync } from "node:fs";
import { splitLines } from "./lines.ts";
import type { Line } from "./lines.ts";

/** Bytes of a file's start that identify it beside its inode. */
export const FP_BYTES = 256;
/** Bytes read from one file at a time. */
const READ_BYTES = 64 * 1024;
/** Lines taken from one read at most, so one read's share of a batch stays small. */
const READ_LINES = 512;
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|lzma|z|zip|br)$/i;

/** Where a file was read to, as kept in KV. */
export interface Checkpoint {
  path: string;
  dev: number;
  ino: number;
  offset: number;
  fp: Uint8Array;
  /** The offset is inside a cut line, skipped up to its newline. */
  skipping: boolean;
}

/** Lines read from one file, and where that leaves it. */
export interface Read {
  lines: Line[];
  /** The file's checkpoint after these lines (null: forget it). */
  checkpoint: Checkpoint | null;
}

/** Whether a path names a compressed file, never read. */
export function compressed(path: string): boolean {
  return COMPRESSED.test(path);
}

/** The regular, uncompressed files a glob names now, sorted. */
export function expand(pattern: string): string[] {
  let paths: string[];
  try {
    paths = /[*?[{]/.test(pattern) ? globSync(pattern) : [pattern];
  } catch {
    return [];
  }
  return paths.filter((p) => !compressed(p)).sort();
}

function same(a: Uint8Array, b: Uint8Array, n: number): boolean {
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function readAt(file: Deno.FsFile, offset: number, n: number): Promise<Uint8Array> {
  const buf = new Uint8Array(n);
  await file.seek(offset, Deno.SeekMode.Start);
  let got = 0;
  while (got < n) {
    const r = await file.read(buf.subarray(got));
    if (r === null || r === 0) break;
    got += r;
  }
  return buf.subarray(0, got);
}

/** One file being tailed, through a handle kept open. */
export class TailedFile {
  /** Set once the name it was found under no longer leads to it. */
  rotatedAt: number | null = null;

  private constructor(
    readonly key: string,
    /** The name the file had when found: what its lines say they came from. */
    readonly origin: string,
    private file: Deno.FsFile,
    private cp: Checkpoint,
  ) {}

  /** The identity key of the file `st` describes. */
  static key(st: { dev: number; ino: number | null }): string {
    return `${st.dev}:${st.ino}`;
  }

  /**
   * Opens `path`, resuming from `saved` (a checkpoint of this inode), else
   * from the start. When its bytes changed since (copytruncate while the
   * agent was down, or a drain of the copy cut short), the first read()
   * reads the copy's rest first.
   */
  static async open(path: string, saved: Checkpoint | undefined): Promise<TailedFile> {
    const file = await Deno.open(path, { read: true });
    try {
      const st = await file.stat();
      if (!st.isFile) throw new Error(`${path} is not a regular file`);
      const key = TailedFile.key(st);
      const cp: Checkpoint = saved ? { ...saved, path } : {
        path,
        dev: st.dev,
        ino: st.ino ?? 0,
        offset: 0,
        fp: await readAt(file, 0, FP_BYTES),
        skipping: false,
      };
      return new TailedFile(key, path, file, cp);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  get checkpoint(): Checkpoint {
    return this.cp;
  }

  /** Records that `path` names this file again (or still). */
  seenAt(path: string): void {
    this.cp = { ...this.cp, path };
    this.rotatedAt = null;
  }

  /**
   * Reads what was added since the last read, at most `maxBytes` of it:
   * whole lines (with `final`, the unterminated last one too). A file that
   * shrank or whose first bytes changed was truncated in place
   * (copytruncate): its unread rest is read from the copy first, then the
   * file from its start. Lines come out in file order, in pieces; each
   * piece is handed to `take` with the checkpoint that covers exactly it,
   * so a batch never claims lines it does not hold. True when it read all
   * there was; false when `maxBytes` ran out first.
   */
  async read(
    final: boolean,
    maxBytes: number,
    take: (lines: Line[], cp: Checkpoint) => Promise<void>,
  ): Promise<boolean> {
    const st = await this.file.stat();
    const n = Math.min(this.cp.fp.length, FP_BYTES);
    const head = await readAt(this.file, 0, FP_BYTES);
    let budget = maxBytes;
    if (st.size < this.cp.offset || !same(head, this.cp.fp, n)) {
      const drained = await this.#drainCopy(budget, take);
      if (!drained.done) return false; // the rest of the copy at the next poll
      budget -= drained.used;
      this.cp = { ...this.cp, offset: 0, fp: head, skipping: false };
      await take([], this.cp);
    } else if (head.length > this.cp.fp.length) {
      this.cp = { ...this.cp, fp: head };
    }
    while (budget > 0) {
      const buf = await readAt(this.file, this.cp.offset, Math.min(READ_BYTES, budget));
      if (!buf.length) return true;
      const atEnd = this.cp.offset + buf.length >= st.size && buf.length < READ_BYTES;
      const split = splitLines(buf, this.cp.skipping, final && atEnd, READ_LINES);
      // Only a partial line: at the end, wait for the rest; cut by the budget, read on next time.
      if (!split.consumed) return this.cp.offset + buf.length >= st.size;
      this.cp = {
        ...this.cp,
        offset: this.cp.offset + split.consumed,
        skipping: split.skipping,
      };
      budget -= split.consumed;
      await take(split.lines, this.cp);
    }
    return false;
  }

  /**
   * Reads the rest of the copy a copytruncate left, past the checkpoint, at
   * most `budget` bytes, in pieces as read() does: each goes to `take` with
   * a checkpoint that is still the copy's (its fingerprint, the offset read
   * to), so a batch stays small however much was left unread, and the next
   * poll, or a restart, goes on where the last piece ended. Done once the
   * copy is read to its end, or when there is none (compressed or removed
   * already: those lines are gone).
   */
  async #drainCopy(
    budget: number,
    take: (lines: Line[], cp: Checkpoint) => Promise<void>,
  ): Promise<{ used: number; done: boolean }> {
    const copy = await findCopy(this.cp, this.key);
    if (!copy) return { used: 0, done: true };
    try {
      const size = (await copy.stat()).size;
      let used = 0;
      while (used < budget) {
        const buf = await readAt(copy, this.cp.offset, Math.min(READ_BYTES, budget - used));
        if (!buf.length) return { used, done: true };
        const split = splitLines(
          buf,
          this.cp.skipping,
          this.cp.offset + buf.length >= size,
          READ_LINES,
        );
        if (!split.consumed) break; // a line longer than what is left of the budget
        this.cp = { ...this.cp, offset: this.cp.offset + split.consumed, skipping: split.skipping };
        used += split.consumed;
        await take(split.lines, this.cp);
      }
      return { used, done: this.cp.offset >= size };
    } finally {
      copy.close();
    }
  }

  close(): void {
    try {
      this.file.close();
    } catch { /* already closed */ }
  }
}

/**
 * The copy a copytruncate made of the file `cp` is a checkpoint of: the
 * sibling of its path (same folder, name starting with its name, not
 * compressed) that is another inode, holds at least the offset, and starts
 * with the fingerprint. Null when there is none.
 */
async function findCopy(cp: Checkpoint, key: string): Promise<Deno.FsFile | null> {
  const n = Math.min(cp.fp.length, FP_BYTES);
  if (n === 0) return null;
  const dir = dirname(cp.path);
  const name = basename(cp.path);
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return null;
  }
  for (const e of entries) {
    if (!e.isFile || e.name === name || !e.name.startsWith(name) || compressed(e.name)) continue;
    let f: Deno.FsFile;
    try {
      f = await Deno.open(join(dir, e.name), { read: true });
    } catch {
      continue;
    }
    try {
      const st = await f.stat();
      if (
        TailedFile.key(st) !== key && st.size >= cp.offset && same(await readAt(f, 0, n), cp.fp, n)
      ) return f;
    } catch { /* unreadable: not it */ }
    f.close();
  }
  return null;
}

/**
 * Finds the file a checkpoint names after the agent was down: at its path
 * if that is still the same inode, else among the path's siblings (renamed
 * by a rotation). Null when it is gone.
 */
export function locate(cp: Checkpoint): string | null {
  const key = `${cp.dev}:${cp.ino}`;
  try {
    if (TailedFile.key(Deno.statSync(cp.path)) === key) return cp.path;
  } catch { /* gone from its path */ }
  const dir = dirname(cp.path);
  const name = basename(cp.path);
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (!e.isFile || !e.name.startsWith(name) || compressed(e.name)) continue;
      const p = join(dir, e.name);
      try {
        if (TailedFile.key(Deno.statSync(p)) === key) return p;
      } catch { /* raced away */ }
    }
  } catch { /* folder gone */ }
  return null;
}
