/**
 * Debian's packages from dpkg's own database, var/lib/dpkg/status (deb822
 * paragraphs, dpkg-query's source too). A package counts as installed when
 * its Status (want, flag, status) has the status dpkg-query abbreviates `i`
 * (installed) or one of the trigger states `W`/`t` (configured, waiting on a
 * trigger to run). Config-files, half-installed, unpacked and half-configured
 * packages are left out: their version is not one that is in use. The key is
 * (dpkg, Package, Architecture) for every package, whether or not it is
 * Multi-Arch: same, so libc6:amd64 and libc6:i386 stay apart.
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

const STATUS = "var/lib/dpkg/status";
const INSTALLED = new Set(["installed", "triggers-awaited", "triggers-pending"]);

/** The installed packages a dpkg status file lists. */
export function parseDpkgStatus(text: string, file = STATUS): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  inFile(file, () => {
    for (const { fields, line } of paragraphs(text)) {
      const status = fields.get("Status")?.split(/\s+/);
      const name = fields.get("Package");
      if (!name || !status || status.length !== 3) {
        throw new PackageDbError(`paragraph at line ${line} has no Package or Status`);
      }
      if (!INSTALLED.has(status[2])) continue;
      const version = fields.get("Version");
      const arch = fields.get("Architecture");
      if (!version || !arch) {
        throw new PackageDbError(
          `installed ${name} at line ${line} has no Version or Architecture`,
        );
      }
      out.push(checked({ manager: "dpkg", name, arch, version }, file));
    }
  });
  return bounded(out, file);
}

/** The dpkg collector. */
export const dpkg = definePackageManager({
  name: "dpkg",
  os: ["linux"],
  watch: (root) => existing([under(root, STATUS)]),
  collect: async (root) => {
    const file = under(root, STATUS);
    return parseDpkgStatus(await readTextBounded(file), file);
  },
});
