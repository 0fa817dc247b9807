/**
 * Snaps from the snaps themselves: each installed snap is mounted at
 * `snap/<name>/<revision>`, `current` links the revision in use, and its
 * `meta/snap.yaml` says its version and architectures. snapd's state.json
 * would say more, but is readable by root only and names revisions, not
 * versions. A refresh or an install adds a file to var/lib/snapd/snaps, so
 * that directory is what is watched.
 */
import { join } from "node:path";
import {
  bounded,
  checked,
  existing,
  listNames,
  PackageDbError,
  readTextOptional,
  under,
} from "./read.ts";
import { definePackageManager, type InstalledPackage } from "./registry.ts";

const SNAPS = "var/lib/snapd/snaps";
const MOUNTS = "snap";

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"') && t.at(-1) === t[0]) return t.slice(1, -1);
  return t;
}

/**
 * The name, version and first architecture of a snap.yaml. Only those three
 * top-level keys are read, each a scalar or (architectures) a list, so a
 * line scan does it without a YAML parser in the agent.
 */
export function parseSnapYaml(text: string, file: string): InstalledPackage {
  const lines = text.split("\n");
  let name = "";
  let version = "";
  let arch = "";
  for (let i = 0; i < lines.length; i++) {
    const m = /^(name|version|architectures):(.*)$/.exec(lines[i].trimEnd());
    if (!m) continue;
    if (m[1] === "name") name = unquote(m[2]);
    else if (m[1] === "version") version = unquote(m[2]);
    else {
      const inline = /^\s*\[([^\]]*)\]/.exec(m[2]);
      const item = /^\s*-\s*(.+)$/.exec(lines[i + 1] ?? "");
      arch = unquote((inline ? inline[1].split(",")[0] : item?.[1]) ?? "");
    }
  }
  if (!name || !version) throw new PackageDbError(`${file}: no name or version`);
  // A snap.yaml without architectures is built for all of them.
  return checked({ manager: "snap", name, arch: arch || "all", version }, file);
}

/** Every snap mounted under `mounts` with a current revision. */
export async function readSnaps(mounts: string): Promise<InstalledPackage[]> {
  const out: InstalledPackage[] = [];
  for (const e of await listNames(mounts)) {
    if (!e.isDirectory || e.name === "bin") continue;
    const file = join(mounts, e.name, "current", "meta", "snap.yaml");
    const text = await readTextOptional(file);
    if (text !== null) out.push(parseSnapYaml(text, file));
  }
  return bounded(out, mounts);
}

/** The snap collector. */
export const snap = definePackageManager({
  name: "snap",
  os: ["linux"],
  watch: (root) => existing([under(root, SNAPS), under(root, MOUNTS)]),
  collect: (root) => readSnaps(under(root, MOUNTS)),
});
