/**
 * Arch's packages from pacman's local database, var/lib/pacman/local: one
 * directory per installed package (NAME-VERSION), whose `desc` holds
 * `%FIELD%` headers each followed by its value lines and a blank line
 * (alpm's be_local.c writes it so). The directory's mtime changes with every
 * install, removal and upgrade, so it is what is watched.
 */
import { join } from "node:path";
import {
  bounded,
  checked,
  existing,
  listNames,
  PackageDbError,
  readTextBounded,
  under,
} from "./read.ts";
import { definePackageManager, type InstalledPackage } from "./registry.ts";

const LOCAL = "var/lib/pacman/local";

/** The `%FIELD%` sections of a desc file, each field's first value line. */
export function parsePacmanDesc(text: string, file: string): InstalledPackage {
  const fields = new Map<string, string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^%([A-Z0-9]+)%$/.exec(lines[i].trimEnd());
    if (m) fields.set(m[1], (lines[i + 1] ?? "").trimEnd());
  }
  const name = fields.get("NAME");
  const version = fields.get("VERSION");
  if (!name || !version) throw new PackageDbError(`${file}: no %NAME% or %VERSION%`);
  return checked({ manager: "pacman", name, arch: fields.get("ARCH") ?? "", version }, file);
}

/** Every package of a pacman local database directory. */
export async function readPacmanLocal(dir: string): Promise<InstalledPackage[]> {
  const out: InstalledPackage[] = [];
  for (const e of await listNames(dir)) {
    if (!e.isDirectory) continue; // ALPM_DB_VERSION
    const file = join(dir, e.name, "desc");
    out.push(parsePacmanDesc(await readTextBounded(file, 1024 * 1024), file));
  }
  return bounded(out, dir);
}

/** The pacman collector. */
export const pacman = definePackageManager({
  name: "pacman",
  os: ["linux"],
  watch: (root) => existing([under(root, LOCAL)]),
  collect: (root) => readPacmanLocal(under(root, LOCAL)),
});
