/**
 * Alpine's packages from apk's own database, lib/apk/db/installed: one
 * paragraph per installed package, one-letter fields ("P:" name, "V:"
 * version, "A:" architecture), as apk's documentation of its installed
 * database describes. Every package listed there is installed.
 */
import {
  bounded,
  checked,
  existing,
  inFile,
  PackageDbError,
  paragraphs,
  readTextBounded,
  under,
} from "./read.ts";
import { definePackageManager, type InstalledPackage } from "./registry.ts";

const INSTALLED = "lib/apk/db/installed";

/** The packages apk's installed database (or an APKINDEX, same format) lists. */
export function parseApkDb(text: string, file = INSTALLED): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  inFile(file, () => {
    for (const { fields, line } of paragraphs(text)) {
      const name = fields.get("P");
      const version = fields.get("V");
      if (!name || !version) {
        throw new PackageDbError(`paragraph at line ${line} has no P: or V:`);
      }
      out.push(checked({ manager: "apk", name, arch: fields.get("A") ?? "", version }, file));
    }
  });
  return bounded(out, file);
}

/** The apk collector. */
export const apk = definePackageManager({
  name: "apk",
  os: ["linux"],
  watch: (root) => existing([under(root, INSTALLED)]),
  collect: async (root) => {
    const file = under(root, INSTALLED);
    return parseApkDb(await readTextBounded(file), file);
  },
});
