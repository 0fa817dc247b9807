/**
 * Available updates of rpm packages from dnf's metadata cache, as the last
 * `dnf makecache` (or any dnf command) left it: each repository's
 * `repodata/repomd.xml` under var/cache/dnf/<repo>-<hash>/ (dnf 4) or
 * var/cache/libdnf5/ (dnf 5) names its primary metadata (every package it
 * offers: name, arch, epoch, version, release) and, where the repository has
 * advisories, its updateinfo (those of type "security" name the packages
 * they fix). Both are compressed as the repository publishes them: gzip,
 * or zstd on current Fedora (node:zlib reads both as streams); xz is not
 * read. yum's older cache (SQLite databases compressed with bzip2) is not
 * read either.
 *
 * The candidate is the newest version offered for the package's name and
 * architecture, newer by rpm's ordering; it is a security update when an
 * advisory of type security names a version of it newer than the one
 * installed.
 */
import { createReadStream } from "node:fs";
import { createGunzip, createZstdDecompress } from "node:zlib";
import { join } from "node:path";
import { compareRpm } from "../../../lib/packages/order.ts";
import type { Package } from "../../../proto/gen/sightline/agent/v1/agent_lean.ts";
import type { UpdateSource } from "../../jobs/packages.ts";
import { existing, listNames, PackageDbError, readTextBounded, under } from "../read.ts";
import { packageKey } from "../state.ts";

const CACHES = ["var/cache/dnf", "var/cache/libdnf5"];
/** One element of the metadata is far smaller; a longer one is not metadata. */
const MAX_ELEMENT_CHARS = 4 * 1024 * 1024;

/** The repositories' directories in dnf's caches under `root`. */
async function repoDirs(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const cache of CACHES) {
    for (const e of await listNames(under(root, cache))) {
      if (!e.isDirectory) continue;
      const dir = join(under(root, cache), e.name);
      if ((await existing([join(dir, "repodata", "repomd.xml")])).length) out.push(dir);
    }
  }
  return out;
}

/** The locations repomd.xml gives the primary and updateinfo metadata. */
export function parseRepomd(xml: string): { primary?: string; updateinfo?: string } {
  const out: { primary?: string; updateinfo?: string } = {};
  for (const m of xml.matchAll(/<data\s+type="([^"]+)"[^>]*>([\s\S]*?)<\/data>/g)) {
    const href = /<location\s+href="([^"]+)"/.exec(m[2])?.[1];
    if (href && (m[1] === "primary" || m[1] === "updateinfo")) out[m[1]] = href;
  }
  return out;
}

/** The text of a metadata file, decompressed by its extension, in pieces. */
async function* text(path: string): AsyncGenerator<string> {
  let stream: AsyncIterable<Uint8Array>;
  if (path.endsWith(".gz")) stream = createReadStream(path).pipe(createGunzip());
  else if (path.endsWith(".zst")) stream = createReadStream(path).pipe(createZstdDecompress());
  else if (path.endsWith(".xml")) stream = createReadStream(path);
  else throw new PackageDbError(`${path}: this compression is not read`);
  const utf8 = new TextDecoder();
  for await (const chunk of stream) yield utf8.decode(chunk, { stream: true });
}

/** Each whole `<tag …>…</tag>` element of a metadata file, as text. */
async function* elements(path: string, tag: string): AsyncGenerator<string> {
  const open = `<${tag} `;
  const close = `</${tag}>`;
  let buf = "";
  for await (const piece of text(path)) {
    buf += piece;
    let at = 0;
    for (;;) {
      const start = buf.indexOf(open, at);
      if (start < 0) {
        at = Math.max(at, buf.length - open.length);
        break;
      }
      const end = buf.indexOf(close, start);
      if (end < 0) {
        at = start;
        break;
      }
      yield buf.slice(start, end + close.length);
      at = end + close.length;
    }
    buf = buf.slice(at);
    if (buf.length > MAX_ELEMENT_CHARS) throw new PackageDbError(`${path}: an element past 4 MB`);
  }
}

const attr = (s: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(s)?.[1];

/** `[epoch:]version-release`, as the rpm collector spells an installed package's. */
export function evr(epoch: string | undefined, ver: string, rel: string): string {
  return `${epoch && epoch !== "0" ? `${epoch}:` : ""}${ver}-${rel}`;
}

/** The newer versions dnf's cached metadata under `root` offers for `installed`, by package key. */
export async function dnfCandidates(
  root: string,
  installed: Package[],
): Promise<Map<string, { version: string; security: boolean }>> {
  const byKey = new Map(installed.map((p) => [packageKey(p), p]));
  const out = new Map<string, { version: string; security: boolean }>();
  const fixes = new Map<string, string[]>();
  const newer = (p: Package, v: string) => compareRpm(v, p.version) > 0;
  for (const dir of await repoDirs(root)) {
    const repomd = join(dir, "repodata", "repomd.xml");
    const where = parseRepomd(await readTextBounded(repomd, 4 * 1024 * 1024));
    if (!where.primary) throw new PackageDbError(`${repomd}: no primary metadata`);
    const primary = join(dir, where.primary);
    try {
      for await (const pkg of elements(primary, "package")) {
        const name = /<name>([^<]*)<\/name>/.exec(pkg)?.[1];
        const arch = /<arch>([^<]*)<\/arch>/.exec(pkg)?.[1];
        const v = /<version\s[^>]*>/.exec(pkg)?.[0];
        if (!name || !arch || !v) continue;
        const p = byKey.get(packageKey({ manager: "rpm", name, arch }));
        if (!p) continue;
        const version = evr(attr(v, "epoch"), attr(v, "ver") ?? "", attr(v, "rel") ?? "");
        if (!newer(p, version)) continue;
        const held = out.get(packageKey(p));
        if (!held || compareRpm(version, held.version) > 0) {
          out.set(packageKey(p), { version, security: false });
        }
      }
      if (!where.updateinfo) continue;
      const updateinfo = join(dir, where.updateinfo);
      for await (const update of elements(updateinfo, "update")) {
        if (attr(update.slice(0, update.indexOf(">")), "type") !== "security") continue;
        for (const m of update.matchAll(/<package\s[^>]*>/g)) {
          const key = packageKey({
            manager: "rpm",
            name: attr(m[0], "name") ?? "",
            arch: attr(m[0], "arch") ?? "",
          });
          const version = evr(
            attr(m[0], "epoch"),
            attr(m[0], "version") ?? "",
            attr(m[0], "release") ?? "",
          );
          fixes.set(key, [...(fixes.get(key) ?? []), version]);
        }
      }
    } catch (err) {
      if (err instanceof PackageDbError) throw err;
      throw new PackageDbError(`${dir}: ${(err as Error).message}`);
    }
  }
  for (const [key, c] of out) {
    const p = byKey.get(key)!;
    c.security = (fixes.get(key) ?? []).some((v) => newer(p, v));
  }
  return out;
}

/** dnf's metadata cache as an update source for rpm. */
export const dnf: UpdateSource = {
  manager: "rpm",
  watch: async (root) => {
    const parts: string[] = [];
    for (const dir of await repoDirs(root)) {
      const s = await Deno.stat(join(dir, "repodata", "repomd.xml")).catch(() => null);
      if (s) parts.push(`${dir}\t${s.mtime?.getTime() ?? 0}\t${s.size}`);
    }
    return parts.length ? parts.join("\n") : null;
  },
  candidates: dnfCandidates,
};
