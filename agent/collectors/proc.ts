/** Reading /proc and /sys files under a configurable root. */
import { join } from "node:path";
import type { CollectContext, Snapshot } from "./types.ts";

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

/**
 * A collect function that reads one file under the proc root and hands its
 * text to `fill`. A file this host does not have is not an error: the
 * collector then reports nothing.
 */
export function fromProcFile(
  file: string,
  fill: (text: string, ctx: CollectContext, out: Snapshot) => void | Promise<void>,
): (ctx: CollectContext, out: Snapshot) => Promise<void> {
  return async (ctx, out) => {
    const text = await readOptional(ctx.procRoot, file);
    if (text !== null) await fill(text, ctx, out);
  };
}
