/**
 * Makes dpkg_pairs.tsv: real version pairs from this machine's package lists
 * (`/var/lib/dpkg/status` and `apt-cache dumpavail`, Debian's archive as apt
 * knows it), each with the answer of `dpkg --compare-versions`. The test
 * (versions_test.ts) checks compareVersions("dpkg", …) against every line; the
 * file is committed so the test needs neither dpkg nor apt lists.
 *
 *   deno run -A lib/packages/testdata/make_dpkg_corpus.ts
 *
 * The pairs are the ones an ordering gets wrong if it is wrong anywhere:
 * the installed and the archive's version of one package (upgrades), versions
 * that sort next to each other as strings (shared prefixes, so the comparison
 * reaches tildes, revisions and long digit runs), every version with an epoch
 * or a tilde against its neighbours, and a seeded random sample across packages.
 */
import { prng } from "../../prng.ts";

const out = new URL("./dpkg_pairs.tsv", import.meta.url);

function stanzas(text: string): Map<string, string>[] {
  return text.split(/\n\n+/).map((block) => {
    const m = new Map<string, string>();
    for (const line of block.split("\n")) {
      const at = line.indexOf(": ");
      if (at > 0 && !line.startsWith(" ")) m.set(line.slice(0, at), line.slice(at + 2));
    }
    return m;
  });
}

const byPackage = new Map<string, Set<string>>();
const add = (name: string | undefined, version: string | undefined) => {
  if (!name || !version) return;
  const set = byPackage.get(name) ?? new Set<string>();
  set.add(version);
  byPackage.set(name, set);
};
for (const s of stanzas(await Deno.readTextFile("/var/lib/dpkg/status"))) {
  if (s.get("Status")?.endsWith(" installed")) add(s.get("Package"), s.get("Version"));
}
const avail = await new Deno.Command("apt-cache", { args: ["dumpavail"], stdout: "piped" })
  .output();
for (const s of stanzas(new TextDecoder().decode(avail.stdout))) {
  add(s.get("Package"), s.get("Version"));
}

const all = [...new Set([...byPackage.values()].flatMap((s) => [...s]))].sort();
const pairs = new Map<string, [string, string]>();
const pair = (a: string, b: string) => {
  if (a !== b) pairs.set(`${a}\t${b}`, [a, b]);
};
for (const versions of byPackage.values()) {
  const v = [...versions];
  for (let i = 1; i < v.length; i++) pair(v[0], v[i]);
}
for (let i = 1; i < all.length; i += 40) pair(all[i - 1], all[i]);
const odd = all.filter((v) => v.includes("~") || v.includes(":"));
for (let i = 0; i < odd.length; i += 3) {
  const at = all.indexOf(odd[i]);
  if (at > 0) pair(all[at - 1], odd[i]);
  if (at + 1 < all.length) pair(odd[i], all[at + 1]);
}
const rand = prng(17);
for (let i = 0; i < 500; i++) {
  pair(all[Math.floor(rand() * all.length)], all[Math.floor(rand() * all.length)]);
}

async function dpkg(a: string, op: string, b: string): Promise<boolean> {
  const r = await new Deno.Command("dpkg", { args: ["--compare-versions", a, op, b] }).output();
  return r.code === 0;
}

const lines: string[] = [];
for (const [a, b] of pairs.values()) {
  const result = (await dpkg(a, "lt", b)) ? -1 : (await dpkg(a, "eq", b)) ? 0 : 1;
  lines.push(`${a}\t${b}\t${result}`);
}
await Deno.writeTextFile(
  out,
  `# a\tb\tdpkg --compare-versions (-1 a<b, 0, 1 a>b); made by make_dpkg_corpus.ts\n${
    lines.join("\n")
  }\n`,
);
console.log(`${lines.length} pairs from ${all.length} versions → ${out.pathname}`);
