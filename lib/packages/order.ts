/**
 * The version orders of the package tools, written by hand after each tool's
 * own C (see versions.ts, which dispatches to them): kept apart from the
 * library-backed orders so the agent, which compares dpkg, rpm and apk
 * versions for available updates, does not load semver and PEP 440 (some
 * 4 MB resident for a file per module).
 */
export const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);

// ---------------------------------------------------------------------------
// dpkg: Debian policy 5.6.12, as lib/dpkg/version.c implements it.

type Evr = { epoch: string; version: string; release: string | null };

/** dpkg's epoch:upstream-revision, as rpm's EVR splits it (dpkg trims the string first). */
const parseDpkg = (s: string): Evr => parseEvr(s.trim());

export function compareDpkg(a: string, b: string): -1 | 0 | 1 {
  const x = parseDpkg(a), y = parseDpkg(b);
  const e = compareNumeric(x.epoch, y.epoch);
  if (e) return e;
  const v = verrevcmp(x.version, y.version);
  if (v) return sign(v);
  return sign(verrevcmp(x.release ?? "", y.release ?? ""));
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** dpkg's character weight: `~` before the end of the string, letters before other symbols. */
function dpkgOrder(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126) return -1;
  return c + 256;
}

function verrevcmp(a: string, b: string): number {
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while (
      (i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))
    ) {
      const ac = dpkgOrder(a, i), bc = dpkgOrder(b, j);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** Two strings of digits as numbers of any length. */
function compareNumeric(a: string, b: string): -1 | 0 | 1 {
  a = a.replace(/^0+/, "");
  b = b.replace(/^0+/, "");
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------
// rpm: EVR, each part by rpmvercmp (rpmio/rpmvercmp.c, with `~` and `^`).

function parseEvr(s: string): Evr {
  const colon = s.indexOf(":");
  let epoch = "0", rest = s;
  if (colon > 0 && /^\d+$/.test(s.slice(0, colon))) {
    epoch = s.slice(0, colon);
    rest = s.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  return dash >= 0
    ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) }
    : { epoch, version: rest, release: null };
}

export function compareRpm(a: string, b: string): -1 | 0 | 1 {
  const x = parseEvr(a), y = parseEvr(b);
  const e = compareNumeric(x.epoch, y.epoch);
  if (e) return e;
  const v = rpmvercmp(x.version, y.version);
  if (v) return sign(v);
  // rpm compares releases only when both sides have one (a dependency on
  // "1.0" is met by 1.0-3); so does the search: "= 3.0.7" finds 3.0.7-27.el9.
  if (x.release === null || y.release === null) return 0;
  return sign(rpmvercmp(x.release, y.release));
}

export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0, j = 0;
  const isAlnum = (c: number) => isDigit(c) || isAlpha(c);
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a.charCodeAt(i)) && a[i] !== "~" && a[i] !== "^") i++;
    while (j < b.length && !isAlnum(b.charCodeAt(j)) && b[j] !== "~" && b[j] !== "^") j++;
    // A tilde sorts before everything, even the end of the string.
    if (a[i] === "~" || b[j] === "~") {
      if (a[i] !== "~") return 1;
      if (b[j] !== "~") return -1;
      i++;
      j++;
      continue;
    }
    // A caret sorts after the end of the string, before anything else.
    if (a[i] === "^" || b[j] === "^") {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== "^") return 1;
      if (b[j] !== "^") return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;
    let p = i, q = j;
    const num = isDigit(a.charCodeAt(p));
    const same = num ? isDigit : isAlpha;
    while (p < a.length && same(a.charCodeAt(p))) p++;
    while (q < b.length && same(b.charCodeAt(q))) q++;
    // A numeric segment is newer than an alphabetic one.
    if (q === j) return num ? 1 : -1;
    const sa = a.slice(i, p), sb = b.slice(j, q);
    const c = num ? compareNumeric(sa, sb) : sa < sb ? -1 : sa > sb ? 1 : 0;
    if (c) return c;
    i = p;
    j = q;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i < a.length ? 1 : -1;
}

// ---------------------------------------------------------------------------
// pacman: alpm_pkg_vercmp (lib/libalpm/version.c), the older rpmvercmp
// without tilde or caret, where separator runs of different lengths differ and
// a trailing letter loses to the end of the string.

function alpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  const isAlnum = (c: number) => isDigit(c) || isAlpha(c);
  let i = 0, j = 0, pi = 0, pj = 0;
  while (i < a.length && j < b.length) {
    while (i < a.length && !isAlnum(a.charCodeAt(i))) i++;
    while (j < b.length && !isAlnum(b.charCodeAt(j))) j++;
    if (!(i < a.length && j < b.length)) break;
    if (i - pi !== j - pj) return i - pi < j - pj ? -1 : 1;
    let p = i, q = j;
    const num = isDigit(a.charCodeAt(p));
    const same = num ? isDigit : isAlpha;
    while (p < a.length && same(a.charCodeAt(p))) p++;
    while (q < b.length && same(b.charCodeAt(q))) q++;
    if (q === j) return num ? 1 : -1;
    const sa = a.slice(i, p), sb = b.slice(j, q);
    const c = num ? compareNumeric(sa, sb) : sa < sb ? -1 : sa > sb ? 1 : 0;
    if (c) return c;
    i = pi = p;
    j = pj = q;
  }
  if (i >= a.length && j >= b.length) return 0;
  const ai = i < a.length && isAlpha(a.charCodeAt(i));
  const bj = j < b.length && isAlpha(b.charCodeAt(j));
  return (i >= a.length && !bj) || ai ? -1 : 1;
}

export function compareAlpm(a: string, b: string): -1 | 0 | 1 {
  const x = parseEvr(a), y = parseEvr(b);
  const e = alpmvercmp(x.epoch, y.epoch);
  if (e) return sign(e);
  const v = alpmvercmp(x.version, y.version);
  if (v || x.release === null || y.release === null) return sign(v);
  return sign(alpmvercmp(x.release, y.release));
}

// ---------------------------------------------------------------------------
// apk: Alpine versions as apk-tools' src/version.c (apk 3) tokenises them:
// digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}.

const enum T {
  InitialDigit,
  Digit,
  Letter,
  Suffix,
  SuffixNo,
  CommitHash,
  RevisionNo,
  End,
  Invalid,
}

// Suffix ranks: the pre-releases below NONE (a plain release), the post-releases above.
const SUFFIX: Record<string, number> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};
const SUFFIX_NONE = 5;

type Token = { t: T; value: string; number: bigint; suffix: number };
type Cursor = { s: string; i: number };

function span(c: Cursor, ok: (ch: number) => boolean): string {
  const from = c.i;
  while (c.i < c.s.length && ok(c.s.charCodeAt(c.i))) c.i++;
  return c.s.slice(from, c.i);
}

function digits(tok: Token, c: Cursor): void {
  tok.value = span(c, isDigit);
  // Numbers as bigints: apk's are 64-bit, more than a double holds exactly.
  tok.number = tok.value ? BigInt(tok.value) : 0n;
  if (!tok.value) tok.t = T.Invalid;
}

function tokenNext(tok: Token, c: Cursor): void {
  if (c.i >= c.s.length) {
    tok.t = T.End;
    return;
  }
  const ch = c.s[c.i];
  if (ch >= "a" && ch <= "z") {
    if (tok.t > T.Digit) return void (tok.t = T.Invalid);
    tok.value = ch;
    tok.t = T.Letter;
    c.i++;
  } else if (ch === "." || isDigit(ch.charCodeAt(0))) {
    if (ch === ".") {
      if (tok.t > T.Digit) return void (tok.t = T.Invalid);
      c.i++;
    }
    if (tok.t === T.InitialDigit || tok.t === T.Digit) tok.t = T.Digit;
    else if (tok.t === T.Suffix) tok.t = T.SuffixNo;
    else return void (tok.t = T.Invalid);
    digits(tok, c);
  } else if (ch === "_") {
    if (tok.t > T.SuffixNo) return void (tok.t = T.Invalid);
    c.i++;
    tok.value = span(c, (x) => x >= 97 && x <= 122);
    tok.suffix = SUFFIX[tok.value] ?? 0;
    tok.t = tok.suffix ? T.Suffix : T.Invalid;
  } else if (ch === "~") {
    if (tok.t >= T.CommitHash) return void (tok.t = T.Invalid);
    c.i++;
    tok.value = span(c, (x) => isDigit(x) || (x >= 97 && x <= 102));
    tok.t = tok.value ? T.CommitHash : T.Invalid;
  } else if (ch === "-") {
    if (tok.t >= T.RevisionNo || c.s[c.i + 1] !== "r") return void (tok.t = T.Invalid);
    c.i += 2;
    tok.t = T.RevisionNo;
    digits(tok, c);
  } else {
    tok.t = T.Invalid;
  }
}

function tokenCmp(a: Token, b: Token): number {
  let x: bigint, y: bigint;
  switch (a.t) {
    case T.Digit:
      // A leading zero after a dot makes a string comparison, as in Gentoo: 1.05 < 1.5.
      if (a.value[0] === "0" || b.value[0] === "0") return byteCmp(a.value, b.value);
      // falls through
    case T.InitialDigit:
    case T.SuffixNo:
    case T.RevisionNo:
      x = a.number, y = b.number;
      break;
    case T.Letter:
      return byteCmp(a.value, b.value);
    case T.Suffix:
      return a.suffix - b.suffix;
    default:
      return byteCmp(a.value, b.value);
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

const byteCmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function compareApk(a: string, b: string): -1 | 0 | 1 {
  const ca: Cursor = { s: a, i: 0 }, cb: Cursor = { s: b, i: 0 };
  const ta: Token = { t: T.InitialDigit, value: "", number: 0n, suffix: 0 };
  const tb: Token = { t: T.InitialDigit, value: "", number: 0n, suffix: 0 };
  digits(ta, ca);
  digits(tb, cb);
  while (ta.t === tb.t && ta.t < T.End) {
    const r = tokenCmp(ta, tb);
    if (r) return sign(r);
    tokenNext(ta, ca);
    tokenNext(tb, cb);
  }
  if (ta.t === tb.t) {
    // apk calls two versions equal that turn invalid at the same token; the
    // rest as plain strings keeps the order total, as a sort needs.
    return ta.t === T.Invalid ? sign(byteCmp(a.slice(ca.i), b.slice(cb.i))) : 0;
  }
  // Equal so far: the longer one is newer, unless what follows is a pre-release suffix.
  if (ta.t === T.Suffix && ta.suffix < SUFFIX_NONE) return -1;
  if (tb.t === T.Suffix && tb.suffix < SUFFIX_NONE) return 1;
  return ta.t > tb.t ? -1 : tb.t > ta.t ? 1 : 0;
}
