/**
 * Available updates of apk packages from the indexes `apk update` keeps in
 * var/cache/apk (APKINDEX.<hash>.tar.gz, one a repository): a gzip of the
 * signature's tar segment followed by a gzip of the index's (abuild signs so),
 * whose APKINDEX member has the installed database's format. The candidate of
 * an installed package is the newest version an index offers for its name
 * and architecture, newer by apk's ordering. Alpine keeps no separate
 * security repository, so no apk update is marked a security update.
 */
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { compareApk } from "../../../lib/packages/order.ts";
import type { Package } from "../../../proto/gen/sightline/agent/v1/agent_lean.ts";
import type { UpdateSource } from "../../jobs/packages.ts";
import { parseApkDb } from "../apk.ts";
import { listNames, PackageDbError, readBounded, under } from "../read.ts";
import { packageKey } from "../state.ts";

const CACHE = "var/cache/apk";
const INDEX = /^APKINDEX\..+\.tar\.gz$/;
/** An index of all of Alpine's main and community is about 2 MB compressed. */
const MAX_INDEX_BYTES = 32 * 1024 * 1024;

/** The APKINDEX member of an index's tar (its segments as one stream), as text. */
export function apkIndexText(gz: Uint8Array, file: string): string {
  let tar: Uint8Array;
  try {
    // node:zlib reads the several gzip members one after another; DecompressionStream stops at one.
    tar = gunzipSync(gz, { maxOutputLength: 8 * MAX_INDEX_BYTES });
  } catch (err) {
    throw new PackageDbError(`${file}: ${(err as Error).message}`);
  }
  const text = new TextDecoder();
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) {
      at += 512; // a segment's end blocks: the next segment may follow
      continue;
    }
    const name = text.decode(header.subarray(0, 100)).replace(/\0.*$/s, "");
    const size = parseInt(
      text.decode(header.subarray(124, 136)).replace(/\0.*$/s, "").trim() || "0",
      8,
    );
    if (!Number.isFinite(size) || size < 0 || at + 512 + size > tar.length) {
      throw new PackageDbError(`${file}: a tar entry ${JSON.stringify(name)} runs past the end`);
    }
    if (name === "APKINDEX") return text.decode(tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new PackageDbError(`${file}: no APKINDEX in it`);
}

/** The newer versions the cached indexes under `root` offer for `installed`, by package key. */
export async function apkCandidates(
  root: string,
  installed: Package[],
): Promise<Map<string, { version: string; security: boolean }>> {
  const dir = under(root, CACHE);
  const byKey = new Map(installed.map((p) => [packageKey(p), p]));
  const out = new Map<string, { version: string; security: boolean }>();
  for (const e of await listNames(dir)) {
    if (!e.isFile || !INDEX.test(e.name)) continue;
    const file = join(dir, e.name);
    for (
      const offer of parseApkDb(apkIndexText(await readBounded(file, MAX_INDEX_BYTES), file), file)
    ) {
      const key = packageKey(offer);
      const p = byKey.get(key);
      if (!p || compareApk(offer.version, p.version) <= 0) continue;
      const held = out.get(key);
      if (!held || compareApk(offer.version, held.version) > 0) {
        out.set(key, { version: offer.version, security: false });
      }
    }
  }
  return out;
}

/** apk's cached indexes as an update source. */
export const apkIndex: UpdateSource = {
  manager: "apk",
  watch: async (root) => {
    const dir = under(root, CACHE);
    const parts: string[] = [];
    for (const e of await listNames(dir)) {
      if (!e.isFile || !INDEX.test(e.name)) continue;
      const s = await Deno.stat(join(dir, e.name)).catch(() => null);
      if (s) parts.push(`${e.name}\t${s.mtime?.getTime() ?? 0}\t${s.size}`);
    }
    return parts.length ? parts.join("\n") : null;
  },
  candidates: apkCandidates,
};
