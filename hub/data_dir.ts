/**
 * The hub's data dir holds the database (password, session and key hashes,
 * the audit log), the hub secret and the CA key: it is the owner's alone.
 * Made 0700 with files 0600, and checked at every start, because a file
 * made before (or by a tool run with another umask) may not be.
 */
import process from "node:process";
import { join } from "node:path";
import type { Logger } from "../lib/log.ts";

/**
 * Creates `dir` if needed, narrows this process's umask so every file the
 * hub creates from now on (SQLite's -wal and -shm too) is the owner's alone,
 * and tightens what is already there. Returns the paths it had to tighten.
 */
export async function prepareDataDir(dir: string, log?: Logger): Promise<string[]> {
  if (Deno.build.os === "windows") {
    await Deno.mkdir(dir, { recursive: true });
    return [];
  }
  process.umask(0o077);
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const fixed: string[] = [];
  const tighten = async (path: string, isDir: boolean) => {
    const mode = (await Deno.lstat(path)).mode! & 0o777;
    if ((mode & 0o077) === 0) return;
    const want = isDir ? 0o700 : 0o600;
    await Deno.chmod(path, want);
    fixed.push(path);
    log?.warn("Data file was readable by others; made it the owner's alone", {
      path,
      was: mode.toString(8),
      now: want.toString(8),
    });
  };
  await tighten(dir, true);
  for await (const e of Deno.readDir(dir)) {
    if (e.isSymlink) continue;
    await tighten(join(dir, e.name), e.isDirectory);
  }
  return fixed;
}
