import { assert, assertEquals } from "../assert.ts";
import { compareVersions, matches } from "./versions.ts";

const data = (name: string) => new URL(`./testdata/${name}`, import.meta.url);
const lines = (text: string) => text.split("\n").filter((l) => l.trim() && !l.startsWith("#"));

/** Every pair, both ways round: an ordering that is not antisymmetric is no ordering. */
function check(manager: string, cases: [string, string, number][]): string[] {
  const wrong: string[] = [];
  for (const [a, b, want] of cases) {
    const got = compareVersions(manager, a, b), back = compareVersions(manager, b, a);
    if (got !== want || back !== -want) wrong.push(`${a} vs ${b}: ${got}/${back}, want ${want}`);
  }
  return wrong;
}

Deno.test("dpkg: agrees with dpkg --compare-versions on this machine's real version pairs", async () => {
  const cases = lines(await Deno.readTextFile(data("dpkg_pairs.tsv"))).map((l) => {
    const [a, b, r] = l.split("\t");
    return [a, b, Number(r)] as [string, string, number];
  });
  assert(cases.length >= 1000, `${cases.length} pairs`);
  assert(cases.some(([a]) => a.includes("~")) && cases.some(([a]) => a.includes(":")));
  assertEquals(check("dpkg", cases), []);
});

Deno.test("dpkg: epochs, tildes and revisions by the policy", () => {
  assertEquals(
    check("dpkg", [
      ["1:1.0", "2.0", 1],
      ["1.0~rc1", "1.0", -1],
      ["1.0~~", "1.0~", -1],
      ["1.0-1", "1.0", 1],
      ["1.0", "1.0-0", 0],
      ["3.0.14-1", "3.0.15-1", -1],
      ["1.0+b1", "1.0", 1],
      ["0:1.0", "1.0", 0],
      ["1.0.0010", "1.0.9", 1],
      ["2.30-1", "2.3-1", 1],
      ["1.2.3a", "1.2.3+", -1],
    ]),
    [],
  );
});

Deno.test("rpm: rpm's own rpmvercmp test vectors, and EVR", async () => {
  const cases = lines(await Deno.readTextFile(data("rpmvercmp.txt"))).map((l) => {
    const [a, b, r] = l.split(" ");
    return [a, b, Number(r)] as [string, string, number];
  });
  assert(cases.length > 80);
  assertEquals(check("rpm", cases), []);
  assertEquals(
    check("rpm", [
      ["1:1.0-1", "2.0-1", 1],
      ["3.0.7-27.el9", "3.0.7-24.el9", 1],
      ["3.0.7", "3.0.7-27.el9", 0],
      ["3.0.7-27.el9", "3.2.2-6.el9_5", -1],
    ]),
    [],
  );
});

Deno.test("apk: apk-tools' version.data", async () => {
  const wrong: string[] = [];
  const cases = lines(await Deno.readTextFile(data("apk_version.txt")));
  assert(cases.length > 600);
  for (const line of cases) {
    const [a, rawOp, b] = line.split(" ");
    const negate = rawOp.startsWith("!");
    const op = negate ? rawOp.slice(1) : rawOp;
    const c = compareVersions("apk", a, b);
    const holds = (op.includes("<") && c < 0) || (op.includes(">") && c > 0) ||
      (op.includes("=") && c === 0);
    if (holds === negate) wrong.push(`${line}: got ${c}`);
  }
  assertEquals(wrong, []);
});

Deno.test("pacman: libalpm's vercmp tests", async () => {
  const cases = lines(await Deno.readTextFile(data("vercmp_pacman.txt"))).map((l) => {
    const [a, b, r] = l.split(" ");
    return [a, b, Number(r)] as [string, string, number];
  });
  assertEquals(check("pacman", cases), []);
  assertEquals(check("pacman", [["1:1.0-1", "2.0-1", 1], ["1.0~rc1", "1.0", 1]]), []);
});

Deno.test("pip: PEP 440 order of packaging's VERSIONS list and its normalisations", async () => {
  const { versions, equal } = JSON.parse(await Deno.readTextFile(data("pep440.json"))) as {
    versions: string[];
    equal: [string, string][];
  };
  const cases: [string, string, number][] = [];
  for (let i = 0; i < versions.length; i++) {
    for (let j = i + 1; j < versions.length; j++) cases.push([versions[i], versions[j], -1]);
  }
  for (const [a, b] of equal) cases.push([a, b, 0]);
  assert(cases.length > 4000);
  assertEquals(check("pip", cases), []);
});

Deno.test("npm: semver, pre-releases before the release; other managers sort naturally", () => {
  assertEquals(
    check("npm", [
      ["1.0.0-rc.1", "1.0.0", -1],
      ["1.0.0-alpha.10", "1.0.0-alpha.9", 1],
      ["1.0.0+build1", "1.0.0+build2", 0],
      ["10.0.0", "9.9.9", 1],
    ]),
    [],
  );
  assertEquals(check("snap", [["2.61.3", "2.61.10", -1], ["latest", "2.0", -1]]), []);
  assertEquals(check("brew", [["3.3.2", "3.3.10", -1], ["1.2.3_1", "1.2.3_2", -1]]), []);
  assert(matches("dpkg", "3.0.14-1", "lt", "3.0.15"));
  assert(!matches("dpkg", "3.0.15-1", "lt", "3.0.15"));
  assert(matches("rpm", "3.0.7-27.el9", "eq", "3.0.7"));
  assert(matches("pip", "2.0", "ge", "2.0.0"));
});
