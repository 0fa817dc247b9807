/**
 * Red Hat's, Fedora's and SUSE's packages from rpm's own database. Modern rpm
 * (4.16 and later: Fedora 33+, RHEL 9) keeps it in SQLite, rpmdb.sqlite in
 * var/lib/rpm or usr/lib/sysimage/rpm: the `Packages` table holds one header
 * blob per installed package, read here with the runtime's own SQLite
 * (node:sqlite) and decoded by {@link parseRpmHeader}. The older Berkeley DB
 * (`Packages`) and ndb (`Packages.db`) formats are found but not read: such a
 * host reports an rpm collector error that says so, rather than nothing.
 */
import { DatabaseSync } from "node:sqlite";
import { bounded, checked, existing, PackageDbError, under } from "./read.ts";
import { definePackageManager, type InstalledPackage } from "./registry.ts";

const DIRS = ["var/lib/rpm", "usr/lib/sysimage/rpm"];

// Header tags and types, from rpm's include/rpm/rpmtag.h.
const TAG = { name: 1000, version: 1001, release: 1002, epoch: 1003, arch: 1022 } as const;
const TYPE = { int32: 4, string: 6, stringArray: 8, i18nString: 9 } as const;
/** Headers beyond this are not package headers (the largest real ones are a few MB). */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/**
 * One header as rpmdb stores it (rpm's "header structure" without the
 * 8-byte magic a package file adds): two big-endian int32s, the index
 * count `il` and the data length `dl`; `il` entries of four int32s (tag,
 * type, offset into the data, count); then `dl` bytes of data. Returns the
 * package, its version `[epoch:]version-release`.
 */
export function parseRpmHeader(blob: Uint8Array, where: string): InstalledPackage {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const bad = (why: string) => new PackageDbError(`${where}: ${why}`);
  if (blob.length < 8) throw bad("header shorter than its 8-byte preamble");
  const il = view.getUint32(0);
  const dl = view.getUint32(4);
  const dataStart = 8 + il * 16;
  if (il === 0 || il > 1_000_000 || dl > MAX_HEADER_BYTES || dataStart + dl > blob.length) {
    throw bad(`header of ${il} entries and ${dl} data bytes does not fit its ${blob.length}`);
  }
  const strings = new Map<number, string>();
  let epoch: number | undefined;
  const utf8 = new TextDecoder();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = view.getInt32(at);
    const type = view.getUint32(at + 4);
    const offset = view.getUint32(at + 8);
    const count = view.getUint32(at + 12);
    if (tag !== TAG.epoch && !Object.values(TAG).includes(tag as 1000)) continue;
    if (offset >= dl) throw bad(`tag ${tag} points outside the data`);
    if (tag === TAG.epoch) {
      if (type !== TYPE.int32 || count < 1 || offset + 4 > dl) throw bad("bad epoch");
      epoch = view.getUint32(dataStart + offset);
      continue;
    }
    if (type !== TYPE.string && type !== TYPE.i18nString && type !== TYPE.stringArray) {
      throw bad(`tag ${tag} is of type ${type}, not a string`);
    }
    const from = dataStart + offset;
    const end = blob.indexOf(0, from);
    if (end < 0 || end >= dataStart + dl) throw bad(`tag ${tag}'s string is not terminated`);
    strings.set(tag, utf8.decode(blob.subarray(from, end)));
  }
  const name = strings.get(TAG.name);
  const version = strings.get(TAG.version);
  const release = strings.get(TAG.release);
  if (!name || !version || release === undefined) {
    throw bad("header without name, version or release");
  }
  // Epoch 0 is no epoch to rpm's ordering; left out, as dnf shows it.
  const evr = `${epoch ? `${epoch}:` : ""}${version}-${release}`;
  // gpg-pubkey entries (imported signing keys) have no architecture; rpm -qa lists them too.
  return checked({ manager: "rpm", name, arch: strings.get(TAG.arch) ?? "", version: evr }, where);
}

/** Every package of an rpmdb.sqlite. */
export function readRpmSqlite(file: string): InstalledPackage[] {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { readOnly: true });
  } catch (err) {
    throw new PackageDbError(`${file}: ${(err as Error).message}`);
  }
  try {
    const out: InstalledPackage[] = [];
    let rows: Array<Record<string, unknown>>;
    try {
      rows = db.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum").all();
    } catch (err) {
      throw new PackageDbError(`${file}: ${(err as Error).message}`);
    }
    for (const row of rows) {
      if (!(row.blob instanceof Uint8Array)) {
        throw new PackageDbError(`${file}: row ${row.hnum} has no blob`);
      }
      out.push(parseRpmHeader(row.blob, `${file} row ${row.hnum}`));
    }
    return bounded(out, file);
  } finally {
    db.close();
  }
}

/** The rpm collector. */
export const rpm = definePackageManager({
  name: "rpm",
  os: ["linux"],
  watch: (root) =>
    existing(
      DIRS.flatMap((d) =>
        ["rpmdb.sqlite", "rpmdb.sqlite-wal", "Packages", "Packages.db"].map((f) =>
          under(root, `${d}/${f}`)
        )
      ),
    ),
  collect: async (root) => {
    for (const d of DIRS) {
      const [sqlite] = await existing([under(root, `${d}/rpmdb.sqlite`)]);
      if (sqlite) return readRpmSqlite(sqlite);
    }
    throw new PackageDbError(
      "only rpm's SQLite database (rpmdb.sqlite) is read; this host's is Berkeley DB or ndb",
    );
  },
});
