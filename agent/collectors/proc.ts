/** Reading /proc and /sys files under a configurable root. */
import { join } from "node:path";

/** Reads `root/…parts`; null when the file does not exist (not applicable here). */
export async function readOptional(root: string, ...parts: string[]): Promise<string | null> {
  try {
    return await Deno.readTextFile(join(root, ...parts));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw err;
  }
}

/** Lists directory names under `root/…parts`; empty when it does not exist. */
export async function listDir(root: string, ...parts: string[]): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(join(root, ...parts))) out.push(e.name);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) return [];
    throw err;
  }
  return out.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}
