/**
 * Where package managers declare themselves, as metric collectors do
 * (agent/collectors/registry.ts): each file in agent/packages/ calls
 * {@link definePackageManager} with its name, its OSes, the database files it
 * watches and its collect function, and `mod.ts` imports every such file once.
 *
 * A manager is on where one of its watched paths exists under the agent's
 * root, asked again on every check, so a manager installed while the agent
 * runs is picked up. Every collector reads the manager's own database files:
 * never a process per package, nor one per check.
 */

/** One installed package, keyed by (manager, name, arch). */
export interface InstalledPackage {
  manager: string;
  name: string;
  /** "" where the manager has no architectures (pip). */
  arch: string;
  version: string;
}

/** What a manager's file declares. */
export interface PackageManagerDefinition {
  /** The manager's name on the wire (dpkg, rpm, apk, pacman, brew, snap, flatpak, pip). */
  name: string;
  os: ReadonlyArray<typeof Deno.build.os>;
  /**
   * The existing files and directories under `root` whose change (mtime,
   * size) means the inventory may have changed; none: the manager is not on
   * this host.
   */
  watch(root: string): Promise<string[]>;
  /** Every installed package; throws on a database it cannot read. */
  collect(root: string): Promise<InstalledPackage[]>;
}

const definitions: PackageManagerDefinition[] = [];

/**
 * Registers a manager and returns its definition (tests run one collector
 * alone). Throws on a name already defined.
 */
export function definePackageManager(def: PackageManagerDefinition): PackageManagerDefinition {
  if (definitions.some((d) => d.name === def.name)) {
    throw new Error(`Package manager "${def.name}" is defined twice`);
  }
  definitions.push(def);
  return def;
}

/** The registered managers for this OS, in import order. */
export function registeredManagers(os: string): PackageManagerDefinition[] {
  return definitions.filter((d) => d.os.includes(os as typeof Deno.build.os));
}
