/**
 * The package collectors, all of them, and what runs one: a cheap check of
 * whether its database changed (the mtimes and sizes of the files it
 * watches) and a collection whose failure is an error for that manager,
 * never for the others. Adding a manager is a file that calls
 * `definePackageManager` (registry.ts) and an import line below.
 */
import {
  definePackageManager,
  type InstalledPackage,
  type PackageManagerDefinition,
  registeredManagers,
} from "./registry.ts";

import "./dpkg.ts";
import "./rpm.ts";
import "./apk.ts";
import "./pacman.ts";
import "./brew.ts";
import "./snap.ts";
import "./flatpak.ts";
import "./python.ts";

export {
  definePackageManager,
  type InstalledPackage,
  type PackageManagerDefinition,
  registeredManagers,
};

/**
 * What the manager's watched files look like now, or null when the manager
 * is not on this host. Equal fingerprints: the database has not changed.
 */
export async function fingerprint(
  def: PackageManagerDefinition,
  root: string,
): Promise<string | null> {
  const paths = await def.watch(root);
  if (!paths.length) return null;
  const parts: string[] = [];
  for (const p of paths) {
    try {
      const s = await Deno.stat(p);
      parts.push(`${p}\t${s.mtime?.getTime() ?? 0}\t${s.size}`);
    } catch {
      parts.push(`${p}\tgone`); // removed between watch() and stat: changed either way
    }
  }
  return parts.join("\n");
}

/** One manager's collection: its packages, or why it could not be read. */
export type Collected = { packages: InstalledPackage[] } | { error: string };

/** Collects one manager, turning any failure into its error. */
export async function collectManager(
  def: PackageManagerDefinition,
  root: string,
): Promise<Collected> {
  try {
    return { packages: await def.collect(root) };
  } catch (err) {
    return { error: (err as Error).message.slice(0, 500) };
  }
}
