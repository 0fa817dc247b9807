/**
 * Python distributions installed system-wide, from the metadata every
 * installer leaves: `<name>-<version>.dist-info/METADATA` (PEP 376/566) and
 * the older `*.egg-info`, a directory with PKG-INFO or the PKG-INFO itself.
 * Read from Debian's dist-packages and everyone's site-packages under
 * usr/lib, usr/lib64 and usr/local/lib. A name is normalized as PEP 503 says
 * (PyYAML → pyyaml). Where two directories hold the same distribution (two
 * Pythons, or pip's copy over the system's), the one earlier on Python's own
 * search order (usr/local first) is the one reported. Virtual environments
 * and users' own site-packages are not the system's and are not read.
 */
import { join } from "node:path";
import { bounded, checked, listNames, PackageDbError, readHead, under } from "./read.ts";
import { definePackageManager, type InstalledPackage } from "./registry.ts";

/** The METADATA header is at the top; a long description after it is not read. */
const HEAD_BYTES = 64 * 1024;

/** PEP 503's normalized name. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Name and version from a METADATA or PKG-INFO (RFC 822 headers up to the first blank line). */
export function parseMetadata(text: string, file: string): InstalledPackage {
  let name = "";
  let version = "";
  for (const line of text.split("\n")) {
    const l = line.trimEnd();
    if (l === "") break;
    const m = /^(Name|Version):\s*(.*)$/i.exec(l);
    if (m && m[1].toLowerCase() === "name") name = m[2].trim();
    else if (m) version = m[2].trim();
  }
  if (!name || !version) throw new PackageDbError(`${file}: no Name or Version header`);
  return checked({ manager: "pip", name: normalizeName(name), arch: "", version }, file);
}

/** The site directories under `root`, in Python's search order. */
export async function siteDirs(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const lib of ["usr/local/lib", "usr/lib64", "usr/lib"]) {
    const pythons = (await listNames(under(root, lib)))
      .filter((e) => e.isDirectory && /^python3(\.\d+)?$/.test(e.name))
      .map((e) => e.name);
    for (const py of pythons) {
      for (const site of ["dist-packages", "site-packages"]) {
        const dir = join(under(root, lib), py, site);
        if ((await listNames(dir)).length) out.push(dir);
      }
    }
  }
  return out;
}

/** Every distribution of one site directory. */
export async function readSiteDir(dir: string): Promise<InstalledPackage[]> {
  const out: InstalledPackage[] = [];
  for (const e of await listNames(dir)) {
    let file: string | null = null;
    if (e.name.endsWith(".dist-info") && e.isDirectory) file = join(dir, e.name, "METADATA");
    else if (e.name.endsWith(".egg-info")) {
      file = e.isDirectory ? join(dir, e.name, "PKG-INFO") : join(dir, e.name);
    }
    if (file === null) continue;
    let text: string;
    try {
      text = await readHead(file, HEAD_BYTES);
    } catch (err) {
      // A dist-info without METADATA is an install in progress or left half-removed: not installed.
      if (err instanceof Deno.errors.NotFound) continue;
      throw err;
    }
    out.push(parseMetadata(text, file));
  }
  return out;
}

/** The Python collector. */
export const python = definePackageManager({
  name: "pip",
  os: ["linux", "darwin"],
  // Installing, removing or upgrading a distribution adds or renames an entry of its site directory.
  watch: (root) => siteDirs(root),
  collect: async (root) => {
    const out = new Map<string, InstalledPackage>();
    for (const dir of await siteDirs(root)) {
      for (const p of await readSiteDir(dir)) if (!out.has(p.name)) out.set(p.name, p);
    }
    return bounded([...out.values()], "site-packages");
  },
});
