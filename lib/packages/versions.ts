/**
 * Version ordering per package ecosystem, for the fleet search ("which hosts
 * run openssl older than 3.0.15?") and for telling an upgrade from a
 * downgrade. Each manager compares the way its own tool does, so an answer here
 * is the answer `dpkg --compare-versions`, `rpm`, `apk version -t`, `vercmp`
 * or pip would give.
 *
 * From libraries: semver (`semver`, npm's own) and PEP 440
 * (`@renovatebot/pep440`, a port of pypa/packaging). By hand: dpkg, rpm,
 * apk and alpm, for which no well-kept npm package exists (the one dpkg
 * package on the registry has a single release and a few hundred downloads);
 * each is a transcription of the tool's own C algorithm, small and checked
 * against the tool (dpkg on this machine) or its published test vectors.
 *
 * Managers without an ordering of their own:
 * - snap and flatpak: a version is whatever the publisher typed ("latest",
 *   "2.61.3-1-g4b4c", a date); the store orders by revision, not version. They
 *   get the rpm segment comparison (digits numerically, letters by ASCII),
 *   the "natural" order a person would expect of such strings.
 * - brew: Homebrew's `Version` splits into numeric and alphabetic tokens and
 *   puts alpha/beta/pre/rc before the release, which is what semver-like
 *   strings need; rpm's segment comparison with a pre-release tilde is not
 *   that, so brew versions go through the PEP 440 comparison when both parse
 *   (most do: "3.3.2", "1.2.3_1" does not) and the segment comparison
 *   otherwise.
 * - pip falls back to the segment comparison for a version PEP 440 refuses
 *   (legacy eggs), so an odd string still sorts, just not by the PEP.
 */
import * as semver from "semver";
import * as pep440 from "@renovatebot/pep440";
import { compareAlpm, compareApk, compareDpkg, compareRpm, rpmvercmp, sign } from "./order.ts";

export { compareAlpm, compareApk, compareDpkg, compareRpm, rpmvercmp };

export type Manager =
  | "dpkg"
  | "rpm"
  | "apk"
  | "pacman"
  | "brew"
  | "snap"
  | "flatpak"
  | "pip"
  | "npm";

export const MANAGERS: readonly Manager[] = [
  "dpkg",
  "rpm",
  "apk",
  "pacman",
  "brew",
  "snap",
  "flatpak",
  "pip",
  "npm",
];

export type Op = "lt" | "le" | "eq" | "ge" | "gt";
export const OPS: readonly Op[] = ["lt", "le", "eq", "ge", "gt"];

/** -1, 0 or 1: `a` older than, the same as, or newer than `b`, as `manager` orders them. */
export function compareVersions(manager: string, a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  switch (manager) {
    case "dpkg":
      return compareDpkg(a, b);
    case "rpm":
      return compareRpm(a, b);
    case "apk":
      return compareApk(a, b);
    case "pacman":
      return compareAlpm(a, b);
    case "pip":
    case "brew":
      return comparePep440(a, b);
    case "npm":
      return compareSemver(a, b);
    default:
      // snap, flatpak and anything a newer agent reports that this hub does not know.
      return sign(rpmvercmp(a, b));
  }
}

/** Whether `version` stands in relation `op` to `wanted`, in `manager`'s order. */
export function matches(manager: string, version: string, op: Op, wanted: string): boolean {
  const c = compareVersions(manager, version, wanted);
  switch (op) {
    case "lt":
      return c < 0;
    case "le":
      return c <= 0;
    case "eq":
      return c === 0;
    case "ge":
      return c >= 0;
    case "gt":
      return c > 0;
  }
}

// ---------------------------------------------------------------------------
// Libraries.

function comparePep440(a: string, b: string): -1 | 0 | 1 {
  if (pep440.valid(a) && pep440.valid(b)) return sign(pep440.compare(a, b));
  return sign(rpmvercmp(a, b));
}

function compareSemver(a: string, b: string): -1 | 0 | 1 {
  const x = semver.parse(a, { loose: true }), y = semver.parse(b, { loose: true });
  if (x && y) return sign(semver.compare(x, y));
  return sign(rpmvercmp(a, b));
}
