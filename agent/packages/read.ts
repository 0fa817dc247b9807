/**
 * What the package collectors share: bounded reads of a manager's files
 * under the agent's root, the paths that exist of a list, and the checks
 * every name and version passes, so a garbage or huge file is an error for
 * its manager and never a crash or a runaway allocation.
 */
import { join } from "node:path";
import type { InstalledPackage } from "./registry.ts";

/** The largest database file read (a dpkg status of 10,000 packages is about 30 MB). */
export const MAX_FILE_BYTES = 128 * 1024 * 1024;
/** The largest small file read (a desc, a METADATA header, a receipt, a snap.yaml). */
export const MAX_SMALL_FILE_BYTES = 1024 * 1024;
/** More packages than this from one manager is not an inventory but a broken database. */
export const MAX_PACKAGES = 200_000;

/** A database that cannot be read as its format says; the message names the file. */
export class PackageDbError extends Error {
  override name = "PackageDbError";
}

/** `root` joined with a path written from the root ("var/lib/dpkg/status"). */
export function under(root: string, path: string): string {
  return join(root, path);
}

function missing(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory;
}

/** Reads the file at `path` as bytes, refusing one over `max` bytes. */
export async function readBounded(path: string, max = MAX_FILE_BYTES): Promise<Uint8Array> {
  using file = await Deno.open(path);
  const size = (await file.stat()).size;
  if (size > max) throw new PackageDbError(`${path} is ${size} bytes, over the ${max} read`);
  // Read what is there, not what stat said: the file may grow between.
  const buf = new Uint8Array(Math.min(size, max) + 1);
  let n = 0;
  for (;;) {
    if (n === buf.length) throw new PackageDbError(`${path} grew past ${max} bytes`);
    const got = await file.read(buf.subarray(n));
    if (got === null) break;
    n += got;
  }
  return buf.subarray(0, n);
}

const utf8 = new TextDecoder();

/** The first `max` bytes of the file at `path` as text (the headers of a METADATA, say). */
export async function readHead(path: string, max: number): Promise<string> {
  using file = await Deno.open(path);
  const buf = new Uint8Array(max);
  let n = 0;
  while (n < max) {
    const got = await file.read(buf.subarray(n));
    if (got === null) break;
    n += got;
  }
  return utf8.decode(buf.subarray(0, n));
}

/** Reads the file at `path` as text (bad UTF-8 becomes U+FFFD, which the checks refuse). */
export async function readTextBounded(path: string, max = MAX_FILE_BYTES): Promise<string> {
  return utf8.decode(await readBounded(path, max));
}

/** Like {@link readTextBounded}, but null when the file does not exist. */
export async function readTextOptional(
  path: string,
  max = MAX_SMALL_FILE_BYTES,
): Promise<string | null> {
  try {
    return await readTextBounded(path, max);
  } catch (err) {
    if (missing(err)) return null;
    throw err;
  }
}

/** The entries of a directory, sorted; empty when it does not exist. */
export async function listNames(path: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(path)) out.push(e);
  } catch (err) {
    if (missing(err)) return [];
    throw err;
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The paths of `paths` that exist. */
export async function existing(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    try {
      await Deno.stat(p);
      out.push(p);
    } catch (err) {
      if (!missing(err)) throw err;
    }
  }
  return out;
}

// The hub's limits (hub/ingest/packages.ts): a batch with one package past them is refused
// whole, so a collector that finds one reports its manager's error instead.
const LIMITS = { name: 200, version: 128, arch: 32 };
/** Whitespace, controls, format characters, separators, private use, unassigned. */
const UNPRINTABLE = /[\s\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
const ARCH = /^[A-Za-z0-9_.+-]*$/;

function word(v: string, max: number): boolean {
  return v.length > 0 && v.length <= max && v.isWellFormed() && !UNPRINTABLE.test(v);
}

/** Checks a package before it joins an inventory; throws naming the file. */
export function checked(p: InstalledPackage, file: string): InstalledPackage {
  if (!word(p.name, LIMITS.name)) {
    throw new PackageDbError(`${file}: bad package name ${show(p.name)}`);
  }
  if (!word(p.version, LIMITS.version)) {
    throw new PackageDbError(`${file}: bad version ${show(p.version)} of ${show(p.name)}`);
  }
  if (p.arch.length > LIMITS.arch || !ARCH.test(p.arch)) {
    throw new PackageDbError(`${file}: bad architecture ${show(p.arch)} of ${show(p.name)}`);
  }
  return p;
}

/** A value as an error message may quote it: short, control characters escaped. */
export function show(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

/** Throws when one manager reports more packages than any real host has. */
export function bounded(list: InstalledPackage[], file: string): InstalledPackage[] {
  if (list.length > MAX_PACKAGES) {
    throw new PackageDbError(`${file}: more than ${MAX_PACKAGES} packages`);
  }
  return list;
}

/**
 * The paragraphs of a deb822-style file (dpkg's status, apt's Packages,
 * apk's installed and APKINDEX, which write "X:value"): fields of each
 * paragraph by name, continuation lines dropped (none of the fields read
 * here has one). Yields each paragraph with the line it starts on, for
 * error messages.
 */
export function* paragraphs(
  text: string,
): Generator<{ fields: Map<string, string>; line: number }> {
  let fields = new Map<string, string>();
  let start = 1;
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(pos, end - 1) : text.slice(pos, end);
    lineNo++;
    pos = end + 1;
    if (line === "") {
      if (fields.size) yield { fields, line: start };
      fields = new Map();
      start = lineNo + 1;
      continue;
    }
    const c = line.charCodeAt(0);
    if (c === 32 || c === 9) continue; // a continuation line
    const at = line.indexOf(":");
    if (at <= 0) throw new PackageDbError(`line ${lineNo}: not a field: ${show(line)}`);
    const value = line.slice(at + 1).trim();
    fields.set(line.slice(0, at), value);
  }
  if (fields.size) yield { fields, line: start };
}

/** Runs `fn`, naming `file` in a PackageDbError's message that does not yet. */
export function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PackageDbError && !err.message.startsWith(file)) {
      throw new PackageDbError(`${file}: ${err.message}`);
    }
    throw err;
  }
}
