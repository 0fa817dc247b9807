import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertThrows } from "../../../lib/assert.ts";
import type { Package } from "../../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { apk } from "../apk.ts";
import { dpkg } from "../dpkg.ts";
import type { PackageManagerDefinition } from "../registry.ts";
import { rpm } from "../rpm.ts";
import { apkCandidates } from "./apk.ts";
import { dnfCandidates } from "./dnf.ts";
import { apt, aptCandidates, isSecurity, parseRelease } from "./apt.ts";
import { Lz4Decoder, Lz4Error } from "./lz4.ts";

const fixture = (p: string) => fileURLToPath(new URL(`../testdata/${p}`, import.meta.url));

async function installed(def: PackageManagerDefinition, root: string): Promise<Package[]> {
  return (await def.collect(root)).map((p) => ({ ...p, updateVersion: "", securityUpdate: false }));
}

const flat = (m: Map<string, { version: string; security: boolean }>) =>
  [...m].map(([k, v]) => `${k.replaceAll("\0", " ")} ${v.version}${v.security ? " security" : ""}`)
    .sort();

Deno.test("apt's lists (plain, .gz and .lz4) give each installed package its newest candidate and say which are security updates", async () => {
  // Real excerpts of this machine's lists and Release files: bookworm main (plain), -updates (.gz)
  // and -security (.lz4, written by the lz4 tool with a content checksum).
  const root = fixture("apt");
  assertEquals(flat(await aptCandidates(root, await installed(dpkg, root))), [
    "dpkg base-files amd64 12.4+deb12u15",
    "dpkg bash amd64 5.2.15-2+b13",
    // Security offers 3.0.22, updates 3.0.17 and main 3.0.20: the newest wins, from security.
    "dpkg libssl3 amd64 3.0.22-1~deb12u2 security",
    "dpkg openssl amd64 3.0.22-1~deb12u2 security",
    "dpkg zlib1g amd64 1:1.2.13.dfsg-1+deb12u1 security",
    // libc6 is the newest there is; libc6:i386 has no list; tzdata is not installed.
  ]);
  assert((await apt.watch(root)) !== null);
  assertEquals(await apt.watch(fixture("dpkg")), null);
});

Deno.test("a Release says its origin; security is Debian-Security's label or a -security suite", () => {
  const debian = parseRelease(
    "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian\nLabel: Debian-Security\nSuite: oldstable-security\nCodename: bookworm-security\n",
  );
  assertEquals(debian, {
    origin: "Debian",
    label: "Debian-Security",
    suite: "oldstable-security",
    codename: "bookworm-security",
  });
  assert(isSecurity(debian));
  assert(isSecurity(parseRelease("Origin: Ubuntu\nLabel: Ubuntu\nSuite: jammy-security\n")));
  assert(!isSecurity(parseRelease("Origin: Ubuntu\nLabel: Ubuntu\nSuite: jammy-updates\n")));
});

Deno.test("apk's cached indexes give candidates by apk's ordering", async () => {
  // The index as abuild writes it: a signature segment's gzip, then the index's (signature fake).
  const root = fixture("apk");
  assertEquals(flat(await apkCandidates(root, await installed(apk, root))), [
    "apk libcrypto3 x86_64 3.1.6-r0",
    "apk musl x86_64 1.2.5-r1",
  ]);
});

Deno.test("dnf's cached metadata (gzip, or zstd as Fedora's is) gives candidates by rpm's ordering and security advisories", async () => {
  // Repodata written by createrepo_c and modifyrepo_c from rpms rpmbuild made, as dnf caches it.
  const root = fixture("rpm");
  const want = [
    "rpm hello x86_64 2.12.1-4.fc40",
    // 3.2.2-4 and 3.2.2-5 are offered, and an advisory of type security names 3.2.2-5.
    "rpm openssl-libs x86_64 1:3.2.2-5.fc40 security",
  ];
  assertEquals(flat(await dnfCandidates(root, await installed(rpm, root))), want);

  // The same repository with its metadata recompressed by zstd.
  const copy = await Deno.makeTempDir();
  try {
    const repo = `${copy}/var/cache/libdnf5/updates-7c2b1e0f3a9d4e5b/repodata`;
    await Deno.mkdir(repo, { recursive: true });
    await Deno.mkdir(`${copy}/var/lib/rpm`, { recursive: true });
    await Deno.copyFile(
      fixture("rpm/var/lib/rpm/rpmdb.sqlite"),
      `${copy}/var/lib/rpm/rpmdb.sqlite`,
    );
    const from = fixture("rpm/var/cache/dnf/updates-7c2b1e0f3a9d4e5b/repodata");
    let repomd = await Deno.readTextFile(`${from}/repomd.xml`);
    for await (const e of Deno.readDir(from)) {
      if (!e.name.endsWith(".gz")) continue;
      const xml =
        (await new Deno.Command("gzip", { args: ["-dc", `${from}/${e.name}`] }).output()).stdout;
      const zst = e.name.replace(/\.gz$/, ".zst");
      const z = new Deno.Command("zstd", { args: ["-q", "-o", `${repo}/${zst}`], stdin: "piped" })
        .spawn();
      const w = z.stdin.getWriter();
      await w.write(xml);
      await w.close();
      assert((await z.status).success);
      repomd = repomd.replace(e.name, zst);
    }
    await Deno.writeTextFile(`${repo}/repomd.xml`, repomd);
    assertEquals(flat(await dnfCandidates(copy, await installed(rpm, copy))), want);
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
});

Deno.test("the LZ4 decoder refuses what is not a whole frame", async () => {
  const lz4 = await Deno.readFile(
    fixture(
      "apt/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4",
    ),
  );
  const decode = (bytes: Uint8Array, piece: number) => {
    const d = new Lz4Decoder();
    let n = 0;
    for (let i = 0; i < bytes.length; i += piece) {
      d.push(bytes.subarray(i, i + piece), (o) => void (n += o.length));
    }
    d.end();
    return n;
  };
  // Pushed a byte at a time or whole, the same text.
  assertEquals(decode(lz4, 1), decode(lz4, lz4.length));
  assert(decode(lz4, 7) > lz4.length);
  assertThrows(() => decode(lz4.subarray(0, lz4.length - 9), 4096), Lz4Error, "ends inside");
  assertThrows(() => decode(new TextEncoder().encode("Package: x\n\n"), 64), Lz4Error, "magic");
  // A block's size past the frame's maximum (checksums are not read: garbled text decodes).
  const corrupt = lz4.slice();
  corrupt.set([0xff, 0xff, 0x0f, 0x00], 7);
  assertThrows(() => decode(corrupt, 4096), Lz4Error, "over its frame's maximum");
});

Deno.test("on this machine, apt's lists give the candidates apt itself lists as upgradable", async () => {
  const run = async (cmd: string, ...args: string[]) => {
    const out = await new Deno.Command(cmd, { args, env: { LANG: "C" } }).output();
    return new TextDecoder().decode(out.stdout);
  };
  // "name/suite[,suite…] version arch [upgradable from: old]"
  const upgradable = (await run("apt", "list", "--upgradable")).split("\n")
    .map((l) => /^([^/\s]+)\/(\S+) (\S+) (\S+) \[upgradable from: (\S+)\]/.exec(l))
    .filter((m) => m !== null);
  assert(upgradable.length > 0, "apt lists no upgradable package here: nothing to compare");
  const ours = await aptCandidates("/", await installed(dpkg, "/"));
  assertEquals(
    [...ours].map(([k, v]) => `${k.split("\0")[1]}:${k.split("\0")[2]} ${v.version}`).sort(),
    upgradable.map((m) => `${m[1]}:${m[4]} ${m[3]}`).sort(),
  );
  for (const m of upgradable) {
    const got = ours.get(`dpkg\0${m[1]}\0${m[4]}`)!;
    if (/-security/.test(m[2])) assert(got.security, `${m[1]}'s candidate is from ${m[2]}`);
    else if (got.security) {
      // apt names only the candidate's suite; a newer version than installed is in a security
      // suite too, older than the candidate.
      const offers = (await run("apt-cache", "madison", m[1])).split("\n")
        .filter((l) => /-security/.test(l)).map((l) => l.split("|")[1].trim());
      const newer = [];
      for (const v of offers) {
        const cmp = await new Deno.Command("dpkg", { args: ["--compare-versions", v, "gt", m[5]] })
          .output();
        if (cmp.success) newer.push(v);
      }
      assert(newer.length > 0, `${m[1]} is marked security without a newer security version`);
    }
  }
});
