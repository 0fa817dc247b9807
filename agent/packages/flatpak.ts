/**
 * Flatpak's system-wide apps and runtimes from its installation,
 * var/lib/flatpak/{app,runtime}/<id>/<arch>/<branch>/active (the deployed
 * commit). The version is the newest release of the ref's AppStream
 * metadata (files/share/metainfo/<id>.metainfo.xml, or the older
 * .appdata.xml names), as `flatpak list` shows it; a ref without one (most
 * runtimes' extensions) reports its branch. Several branches of a runtime
 * are often installed side by side (org.gnome.Platform 45 and 46), so a ref
 * on any branch but "stable" is named `<id>//<branch>`, flatpak's own
 * spelling of a ref.
 */
import { join } from "node:path";
import {
  bounded,
  checked,
  existing,
  listNames,
  PackageDbError,
  readTextOptional,
  show,
  under,
} from "./read.ts";
import { definePackageManager, type InstalledPackage } from "./registry.ts";

const BASE = "var/lib/flatpak";
const KINDS = ["app", "runtime"];

/** The newest release's version of an AppStream file: releases are listed newest first. */
export function appstreamVersion(xml: string): string | null {
  const releases = /<releases[^>]*>([\s\S]*?)<\/releases>/.exec(xml);
  const first = releases && /<release\b[^>]*\bversion\s*=\s*["']([^"']+)["']/.exec(releases[1]);
  return first ? first[1] : null;
}

async function refVersion(active: string, id: string): Promise<string | null> {
  for (const dir of ["files/share/metainfo", "files/share/appdata"]) {
    for (const ext of ["metainfo.xml", "appdata.xml"]) {
      const xml = await readTextOptional(join(active, dir, `${id}.${ext}`), 4 * 1024 * 1024);
      if (xml !== null) return appstreamVersion(xml);
    }
  }
  return null;
}

/** The deployed refs' directories (`<kind>/<id>/<arch>/<branch>`) of an installation. */
async function refDirs(
  base: string,
): Promise<Array<{ id: string; arch: string; branch: string; dir: string }>> {
  const out = [];
  for (const kind of KINDS) {
    for (const id of await listNames(join(base, kind))) {
      if (!id.isDirectory) continue;
      for (const arch of await listNames(join(base, kind, id.name))) {
        if (!arch.isDirectory) continue;
        for (const branch of await listNames(join(base, kind, id.name, arch.name))) {
          if (!branch.isDirectory) continue;
          out.push({
            id: id.name,
            arch: arch.name,
            branch: branch.name,
            dir: join(base, kind, id.name, arch.name, branch.name),
          });
        }
      }
    }
  }
  return out;
}

/** Every deployed app and runtime of the installation at `base`. */
export async function readFlatpak(base: string): Promise<InstalledPackage[]> {
  const out: InstalledPackage[] = [];
  for (const ref of await refDirs(base)) {
    const active = join(ref.dir, "active");
    if (!(await existing([active])).length) continue; // being deployed, or removed
    const version = (await refVersion(active, ref.id)) ?? ref.branch;
    if (!version) throw new PackageDbError(`${active}: no version for ${show(ref.id)}`);
    const name = ref.branch === "stable" ? ref.id : `${ref.id}//${ref.branch}`;
    out.push(checked({ manager: "flatpak", name, arch: ref.arch, version }, active));
  }
  return bounded(out, base);
}

/** The flatpak collector. */
export const flatpak = definePackageManager({
  name: "flatpak",
  os: ["linux"],
  // An install or removal changes <kind>/ or <kind>/<id>/; an update swaps the branch's `active` link.
  watch: async (root) => {
    const kinds = await existing(KINDS.map((k) => under(root, `${BASE}/${k}`)));
    if (!kinds.length) return [];
    return [...kinds, ...(await refDirs(under(root, BASE))).map((r) => r.dir)];
  },
  collect: (root) => readFlatpak(under(root, BASE)),
});
