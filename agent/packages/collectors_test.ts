import { fileURLToPath } from "node:url";
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../../lib/assert.ts";
import { apk } from "./apk.ts";
import { brew } from "./brew.ts";
import { dpkg } from "./dpkg.ts";
import { flatpak } from "./flatpak.ts";
import {
  collectManager,
  fingerprint,
  type PackageManagerDefinition,
  registeredManagers,
} from "./mod.ts";
import { pacman } from "./pacman.ts";
import { python } from "./python.ts";
import { MAX_FILE_BYTES } from "./read.ts";
import type { InstalledPackage } from "./registry.ts";
import { rpm } from "./rpm.ts";
import { snap } from "./snap.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

const pkg = (manager: string, name: string, arch: string, version: string): InstalledPackage => ({
  manager,
  name,
  arch,
  version,
});

async function collect(def: PackageManagerDefinition, root: string): Promise<InstalledPackage[]> {
  const got = await collectManager(def, root);
  if ("error" in got) throw new Error(`${def.name}: ${got.error}`);
  return got.packages;
}

const byKey = (a: InstalledPackage, b: InstalledPackage) =>
  `${a.name}\0${a.arch}` < `${b.name}\0${b.arch}` ? -1 : 1;

Deno.test("every collector reads its manager's own files in a fixture tree, and only its own", async () => {
  const cases: Array<[PackageManagerDefinition, string, InstalledPackage[]]> = [
    [dpkg, "dpkg", [
      // A real excerpt of this machine's status: Multi-Arch: same libc6 on two architectures stays
      // two packages; the held bash is installed; tzdata, left as config files, is not.
      pkg("dpkg", "base-files", "amd64", "12.4+deb12u11"),
      pkg("dpkg", "bash", "amd64", "5.2.15-2+b8"),
      pkg("dpkg", "libc6", "amd64", "2.36-9+deb12u14"),
      pkg("dpkg", "libc6", "i386", "2.36-9+deb12u14"),
      pkg("dpkg", "libssl3", "amd64", "3.0.19-1~deb12u2"),
      pkg("dpkg", "openssl", "amd64", "3.0.19-1~deb12u2"),
      pkg("dpkg", "python3-yaml", "amd64", "6.0-3+b2"),
      pkg("dpkg", "zlib1g", "amd64", "1:1.2.13.dfsg-1"),
    ]],
    [apk, "apk", [
      pkg("apk", "busybox", "x86_64", "1.36.1-r15"),
      pkg("apk", "libcrypto3", "x86_64", "3.1.4-r5"),
      pkg("apk", "musl", "x86_64", "1.2.5-r0"),
    ]],
    [pacman, "pacman", [
      pkg("pacman", "bash", "x86_64", "5.2.026-2"),
      pkg("pacman", "linux", "x86_64", "6.9.7.arch1-1"),
    ]],
    // Written by rpm 4.18 itself (--initdb, then --justdb installs of three built packages).
    [rpm, "rpm", [
      pkg("rpm", "hello", "x86_64", "2.12.1-3.fc40"),
      pkg("rpm", "openssl-libs", "x86_64", "1:3.2.2-3.fc40"),
      pkg("rpm", "tzdata", "noarch", "2024a-5.fc40"),
    ]],
    [brew, "brew", [
      // The cask keeps apart from a formula of its token; of two openssl@3 kegs, the linked one.
      pkg("brew", "cask/firefox", "", "128.0"),
      pkg("brew", "openssl@3", "", "3.3.1"),
      pkg("brew", "wget", "", "1.24.5"),
    ]],
    [snap, "snap", [
      pkg("snap", "core22", "amd64", "20240408"),
      pkg("snap", "firefox", "amd64", "127.0.2-1"),
    ]],
    [flatpak, "flatpak", [
      // A runtime's branch is part of its name; one without AppStream data reports its branch.
      pkg("flatpak", "org.freedesktop.Platform.GL.default//23.08", "x86_64", "23.08"),
      pkg("flatpak", "org.freedesktop.Platform//23.08", "x86_64", "23.08.22"),
      pkg("flatpak", "org.mozilla.firefox", "x86_64", "128.0"),
    ]],
    [python, "python", [
      // Real METADATA and PKG-INFO from this machine's dist-packages; usr/local's PyYAML comes
      // first on Python's path, so it is the one reported; a dist-info without METADATA is not
      // installed.
      pkg("pip", "crit", "", "3.17.1"),
      pkg("pip", "cryptography", "", "38.0.4"),
      pkg("pip", "lazr-uri", "", "1.0.6"),
      pkg("pip", "pyyaml", "", "6.0.1"),
    ]],
  ];
  for (const [def, dir, want] of cases) {
    assertEquals((await collect(def, fixture(dir))).sort(byKey), want, def.name);
    // The others find nothing of theirs there: each is on only where its database is.
    for (const other of registeredManagers("linux")) {
      if (other !== def) {
        assertEquals(await fingerprint(other, fixture(dir)), null, `${other.name} in ${dir}`);
      }
    }
  }
});

Deno.test("a fingerprint changes with the database and not otherwise", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/var/lib/dpkg`, { recursive: true });
    const status = `${root}/var/lib/dpkg/status`;
    await Deno.copyFile(fixture("dpkg/var/lib/dpkg/status"), status);
    const before = await fingerprint(dpkg, root);
    assertEquals(await fingerprint(dpkg, root), before);
    await Deno.writeTextFile(status, "\n", { append: true });
    assert((await fingerprint(dpkg, root)) !== before);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** Bytes from a fixed seed, so a failure is the same every run. */
function garbage(n: number, seed = 17): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

Deno.test("a truncated, garbage or huge database is that manager's error, never a crash", async () => {
  const root = await Deno.makeTempDir();
  const file = (p: string) => `${root}/${p}`;
  const put = async (p: string, data: Uint8Array | string) => {
    await Deno.mkdir(file(p).replace(/\/[^/]+$/, ""), { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(file(p), data);
    else await Deno.writeFile(file(p), data);
  };
  const errorOf = async (def: PackageManagerDefinition) => {
    const got = await collectManager(def, root);
    assert("error" in got, `${def.name} read a bad database as ${JSON.stringify(got)}`);
    return got.error;
  };
  try {
    const status = await Deno.readTextFile(fixture("dpkg/var/lib/dpkg/status"));
    // Cut inside a paragraph, after its Status: the installed package has no Version.
    await put("var/lib/dpkg/status", status.slice(0, status.indexOf("Priority:", 2000)));
    assert((await errorOf(dpkg)).includes("has no Version"));
    await put("var/lib/dpkg/status", garbage(4096));
    assert((await errorOf(dpkg)).startsWith(file("var/lib/dpkg/status")));
    // Over the bound: refused before it is read (a sparse file, so the test writes nothing).
    await put("var/lib/dpkg/status", "");
    await Deno.truncate(file("var/lib/dpkg/status"), MAX_FILE_BYTES + 1);
    assert((await errorOf(dpkg)).includes("over the"));

    await put("lib/apk/db/installed", garbage(4096, 3));
    await errorOf(apk);
    await put("var/lib/pacman/local/bash-5.2.026-2/desc", "%NAME%\nbash\n\n%VERS");
    assert((await errorOf(pacman)).includes("no %NAME% or %VERSION%"));

    await put("var/lib/rpm/rpmdb.sqlite", garbage(8192, 5));
    assert((await errorOf(rpm)).includes("rpmdb.sqlite"));
    // A real database whose header blob is cut short.
    await Deno.copyFile(fixture("rpm/var/lib/rpm/rpmdb.sqlite"), file("var/lib/rpm/rpmdb.sqlite"));
    const db = new DatabaseSync(file("var/lib/rpm/rpmdb.sqlite"));
    db.exec(
      "UPDATE Packages SET blob = substr(blob, 1, 200) WHERE hnum = (SELECT min(hnum) FROM Packages)",
    );
    db.close();
    assert((await errorOf(rpm)).includes("does not fit"));
    // Berkeley DB only: found, and said to be unread.
    await Deno.remove(file("var/lib/rpm/rpmdb.sqlite"));
    await put("var/lib/rpm/Packages", garbage(4096, 7));
    assert((await errorOf(rpm)).includes("only rpm's SQLite database"));

    await put("snap/core22/1/meta/snap.yaml", garbage(2048, 9));
    await Deno.symlink("1", file("snap/core22/current"));
    await errorOf(snap);
    await put("usr/lib/python3/dist-packages/x-1.dist-info/METADATA", garbage(2048, 11));
    await errorOf(python);
    await put("opt/homebrew/Cellar/bad\nname/1.0/INSTALL_RECEIPT.json", "{}");
    assert((await errorOf(brew)).includes("bad package name"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("on this machine, dpkg under root / reports exactly what dpkg-query lists as installed", async () => {
  const query = async (format: string) => {
    const out = await new Deno.Command("dpkg-query", { args: ["-W", `-f=${format}`] }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
  };
  const lines = await query("${db:Status-Abbrev} ${binary:Package} ${Version}\n");
  // binary:Package adds ":arch" only to some packages; the architecture of each, from dpkg too.
  const arch = new Map(
    (await query("${binary:Package} ${Architecture}\n")).map((l) =>
      l.split(" ") as [string, string]
    ),
  );
  const want = lines
    .map((l) => /^(...) (\S+) (.*)$/.exec(l)!)
    .filter((m) => m[1][1] === "i" || m[1][1] === "W" || m[1][1] === "t")
    .map((m) => pkg("dpkg", m[2].replace(/:[^:]+$/, ""), arch.get(m[2])!, m[3]))
    .sort(byKey);
  assert(want.length > 100, `only ${want.length} installed packages`);
  assertEquals((await collect(dpkg, "/")).sort(byKey), want);
});
