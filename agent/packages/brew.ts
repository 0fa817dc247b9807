/**
 * Homebrew's formulae and casks from its own directories under the prefix
 * (opt/homebrew on Apple silicon, usr/local on Intel Macs,
 * home/linuxbrew/.linuxbrew on Linux): `Cellar/<formula>/<version>/` holds
 * each installed keg (INSTALL_RECEIPT.json marks one brew finished pouring),
 * `Caskroom/<cask>/<version>/` each installed cask. Several kegs of one
 * formula can be installed; the one in use is where `opt/<formula>` links, or
 * else the newest installed. Casks are named `cask/<token>`: a formula and a
 * cask may share a token (docker), and Homebrew itself tells them apart by
 * their tap.
 */
import { basename, join } from "node:path";
import { bounded, checked, existing, listNames, under } from "./read.ts";
import { definePackageManager, type InstalledPackage } from "./registry.ts";

const PREFIXES = ["opt/homebrew", "usr/local", "home/linuxbrew/.linuxbrew"];

async function linkTarget(path: string): Promise<string | null> {
  try {
    return basename(await Deno.readLink(path));
  } catch {
    return null;
  }
}

async function mtime(path: string): Promise<number> {
  return (await Deno.stat(path)).mtime?.getTime() ?? 0;
}

/** The formulae and casks installed under one Homebrew prefix. */
export async function readBrewPrefix(prefix: string): Promise<InstalledPackage[]> {
  const out: InstalledPackage[] = [];
  const cellar = join(prefix, "Cellar");
  for (const formula of await listNames(cellar)) {
    if (!formula.isDirectory) continue;
    const kegs = [];
    for (const keg of await listNames(join(cellar, formula.name))) {
      if (!keg.isDirectory || keg.name.startsWith(".")) continue;
      const [receipt] = await existing([
        join(cellar, formula.name, keg.name, "INSTALL_RECEIPT.json"),
      ]);
      if (receipt) kegs.push({ version: keg.name, at: await mtime(receipt) });
    }
    if (!kegs.length) continue;
    const linked = await linkTarget(join(prefix, "opt", formula.name));
    const inUse = kegs.find((k) => k.version === linked) ??
      kegs.reduce((a, b) => (b.at > a.at ? b : a));
    out.push(
      checked({ manager: "brew", name: formula.name, arch: "", version: inUse.version }, cellar),
    );
  }
  const caskroom = join(prefix, "Caskroom");
  for (const cask of await listNames(caskroom)) {
    if (!cask.isDirectory) continue;
    const versions = [];
    for (const v of await listNames(join(caskroom, cask.name))) {
      if (v.isDirectory && !v.name.startsWith(".")) {
        versions.push({ version: v.name, at: await mtime(join(caskroom, cask.name, v.name)) });
      }
    }
    if (!versions.length) continue;
    const newest = versions.reduce((a, b) => (b.at > a.at ? b : a));
    out.push(
      checked(
        { manager: "brew", name: `cask/${cask.name}`, arch: "", version: newest.version },
        caskroom,
      ),
    );
  }
  return bounded(out, prefix);
}

function dirs(root: string): string[] {
  return PREFIXES.flatMap((p) => [under(root, `${p}/Cellar`), under(root, `${p}/Caskroom`)]);
}

/** The Homebrew collector: every prefix found (an Intel prefix beside an ARM one, under Rosetta). */
export const brew = definePackageManager({
  name: "brew",
  os: ["darwin", "linux"],
  // Installs and removals change Cellar's or Caskroom's mtime; a formula's upgrade its opt link's
  // (so the prefix's opt directory), a cask's its own directory's.
  watch: async (root) => {
    const found = await existing(dirs(root));
    if (!found.length) return [];
    const opt = await existing(PREFIXES.map((p) => under(root, `${p}/opt`)));
    const casks = [];
    for (const dir of found.filter((d) => d.endsWith("Caskroom"))) {
      for (const e of await listNames(dir)) if (e.isDirectory) casks.push(join(dir, e.name));
    }
    return [...found, ...opt, ...casks];
  },
  collect: async (root) => {
    const out: InstalledPackage[] = [];
    const seen = new Set<string>();
    for (const p of PREFIXES) {
      if (!(await existing([under(root, `${p}/Cellar`), under(root, `${p}/Caskroom`)])).length) {
        continue;
      }
      for (const pkg of await readBrewPrefix(under(root, p))) {
        // The first prefix wins a name found in two, as the shell's PATH order would.
        if (!seen.has(pkg.name)) out.push(pkg);
        seen.add(pkg.name);
      }
    }
    return out;
  },
});
