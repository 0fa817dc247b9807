/**
 * Available updates of dpkg packages from apt's lists, as the last
 * `apt update` left them in var/lib/apt/lists: each `…_Packages` file (plain,
 * .gz or .lz4, as Acquire::GzipIndexes keeps them) lists what one suite and
 * component offers, and the `…_InRelease` (or `…_Release`) file whose name
 * it starts with says which origin that is. Nothing is fetched and nothing
 * needs root: the lists are world-readable.
 *
 * The candidate of an installed package is the newest version the lists
 * offer for its name and architecture, newer than what is installed by
 * dpkg's ordering. apt's pins (preferences) are not read: with none set, as
 * on most hosts, apt's candidate is that newest version too. An update is a
 * security update when some newer version comes from a security origin
 * (Label or Origin Debian-Security, a suite or codename ending in
 * "-security", as Ubuntu's are).
 */
import { join } from "node:path";
import { compareDpkg } from "../../../lib/packages/order.ts";
import type { Package } from "../../../proto/gen/sightline/agent/v1/agent_lean.ts";
import type { UpdateSource } from "../../jobs/packages.ts";
import { listNames, PackageDbError, readHead, under } from "../read.ts";
import { packageKey } from "../state.ts";
import { Lz4Decoder } from "./lz4.ts";

const LISTS = "var/lib/apt/lists";
const PACKAGES = /_Packages(\.gz|\.lz4)?$/;

/** What a Release file says of its origin. */
export interface ReleaseInfo {
  origin: string;
  label: string;
  suite: string;
  codename: string;
}

/** The first paragraph's fields of a Release or InRelease (clear-signed: the text after the PGP armour). */
export function parseRelease(text: string): ReleaseInfo {
  let body = text;
  if (body.startsWith("-----BEGIN PGP SIGNED MESSAGE-----")) {
    const blank = body.indexOf("\n\n");
    body = blank < 0 ? "" : body.slice(blank + 2);
  }
  const field = (name: string) =>
    new RegExp(`^${name}:[ \\t]*(.*)$`, "m").exec(body.split("\n\n")[0])?.[1].trim() ?? "";
  return {
    origin: field("Origin"),
    label: field("Label"),
    suite: field("Suite"),
    codename: field("Codename"),
  };
}

/** Whether a release is a security origin. */
export function isSecurity(r: ReleaseInfo): boolean {
  return /security/i.test(r.label) || /security/i.test(r.origin) || r.suite.endsWith("-security") ||
    r.codename.endsWith("-security");
}

const P = "P".charCodeAt(0);
const V = "V".charCodeAt(0);
const A = "A".charCodeAt(0);
const NL = 10;
const utf8 = new TextDecoder();
const FIELDS: Array<[number, Uint8Array, "name" | "version" | "arch"]> = [
  [P, new TextEncoder().encode("Package:"), "name"],
  [V, new TextEncoder().encode("Version:"), "version"],
  [A, new TextEncoder().encode("Architecture:"), "arch"],
];

function startsWith(b: Uint8Array, at: number, end: number, prefix: Uint8Array): boolean {
  if (end - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix[i]) return false;
  return true;
}

/**
 * The paragraphs' Package, Version and Architecture of deb822 bytes pushed
 * in pieces. Lines are found in the bytes and only those three are decoded:
 * a list is mostly descriptions and dependencies, and a string for each of
 * its lines would cost the agent more memory than the list's own size.
 */
export class StanzaScanner {
  #cur = { name: "", version: "", arch: "" };
  #carry = new Uint8Array(0);

  constructor(private onStanza: (s: { name: string; version: string; arch: string }) => void) {}

  /** Takes the next bytes (used before it returns: a view of a reused buffer is fine). */
  push(chunk: Uint8Array): void {
    let at = 0;
    if (this.#carry.length) {
      // Only the line that straddles the pieces is copied; the rest is read where it is.
      const nl = chunk.indexOf(NL);
      const head = nl < 0 ? chunk : chunk.subarray(0, nl);
      const line = new Uint8Array(this.#carry.length + head.length);
      line.set(this.#carry);
      line.set(head, this.#carry.length);
      if (nl < 0) {
        if (line.length > 1024 * 1024) throw new PackageDbError("a line longer than 1 MiB");
        this.#carry = line;
        return;
      }
      this.#line(line, 0, line.length);
      at = nl + 1;
    }
    for (let nl = chunk.indexOf(NL, at); nl >= 0; nl = chunk.indexOf(NL, at)) {
      this.#line(chunk, at, nl);
      at = nl + 1;
    }
    if (chunk.length - at > 1024 * 1024) throw new PackageDbError("a line longer than 1 MiB");
    this.#carry = chunk.slice(at);
  }

  end(): void {
    if (this.#carry.length) this.#line(this.#carry, 0, this.#carry.length);
    this.#line(this.#carry, 0, 0);
  }

  #line(b: Uint8Array, at: number, end: number): void {
    if (end > at && b[end - 1] === 13) end--;
    if (end === at) {
      if (this.#cur.name && this.#cur.version) this.onStanza(this.#cur);
      this.#cur = { name: "", version: "", arch: "" };
      return;
    }
    for (const [first, prefix, field] of FIELDS) {
      if (b[at] === first && startsWith(b, at, end, prefix)) {
        this.#cur[field] = utf8.decode(b.subarray(at + prefix.length, end)).trim();
      }
    }
  }
}

/** Reads a list file (plain, .gz or .lz4) through `scanner`. */
async function scan(path: string, scanner: StanzaScanner): Promise<void> {
  using file = await Deno.open(path);
  if (path.endsWith(".gz")) {
    for await (const chunk of file.readable.pipeThrough(new DecompressionStream("gzip"))) {
      scanner.push(chunk);
    }
  } else {
    const lz4 = path.endsWith(".lz4") ? new Lz4Decoder() : null;
    const buf = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await file.read(buf);
      if (n === null) break;
      if (lz4) lz4.push(buf.subarray(0, n), (out) => scanner.push(out));
      else scanner.push(buf.subarray(0, n));
    }
    lz4?.end();
  }
  scanner.end();
}

/** The newer versions apt's lists under `root` offer for `installed`, by package key. */
export async function aptCandidates(
  root: string,
  installed: Package[],
): Promise<Map<string, { version: string; security: boolean }>> {
  const dir = under(root, LISTS);
  const files = (await listNames(dir)).filter((e) => e.isFile).map((e) => e.name);
  const releases = new Map<string, ReleaseInfo>();
  for (const f of files) {
    const m = /^(.*_)(InRelease|Release)$/.exec(f);
    if (m && !releases.has(m[1])) {
      releases.set(m[1], parseRelease(await readHead(join(dir, f), 64 * 1024)));
    }
  }
  const byName = new Map<string, Package[]>();
  for (const p of installed) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const out = new Map<string, { version: string; security: boolean }>();
  for (const f of files.filter((f) => PACKAGES.test(f))) {
    // The release whose name this list's starts with, the longest such (a suite may hold "_").
    let release: ReleaseInfo | undefined;
    let best = -1;
    for (const [prefix, r] of releases) {
      if (f.startsWith(prefix) && prefix.length > best) [release, best] = [r, prefix.length];
    }
    const security = release ? isSecurity(release) : false;
    const offer = (o: { name: string; arch: string; version: string }) => {
      for (const p of byName.get(o.name) ?? []) {
        if (p.arch !== o.arch) continue;
        if (compareDpkg(o.version, p.version) <= 0) continue;
        const key = packageKey(p);
        const held = out.get(key);
        const newer = !held || compareDpkg(o.version, held.version) > 0;
        out.set(key, {
          version: newer ? o.version : held.version,
          security: (held?.security ?? false) || security,
        });
      }
    };
    try {
      await scan(join(dir, f), new StanzaScanner(offer));
    } catch (err) {
      throw new PackageDbError(`${join(dir, f)}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** apt's lists as an update source for dpkg. */
export const apt: UpdateSource = {
  manager: "dpkg",
  watch: async (root) => {
    const dir = under(root, LISTS);
    const parts: string[] = [];
    for (const e of await listNames(dir)) {
      if (!e.isFile || !(PACKAGES.test(e.name) || /Release$/.test(e.name))) continue;
      const s = await Deno.stat(join(dir, e.name)).catch(() => null);
      if (s) parts.push(`${e.name}\t${s.mtime?.getTime() ?? 0}\t${s.size}`);
    }
    return parts.some((p) => PACKAGES.test(p.split("\t")[0])) ? parts.join("\n") : null;
  },
  candidates: aptCandidates,
};
