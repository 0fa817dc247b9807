/**
 * The one rule for every name a person reads: hosts (typed on the dashboard
 * or the CLI, or sent by an agent as its hostname), users, API keys, and the
 * processes an agent reports (their names and owners, cleaned). A
 * name is NFC-normalised and trimmed, and holds no character that hides or
 * rearranges what is shown: controls (ESC, NUL…), format characters (the
 * right-to-left override, zero-width spaces and joiners, the BOM), line and
 * paragraph separators, private-use and unassigned code points, lone
 * surrogates. User names, which people sign in with and read in the audit
 * log, are also kept to letters, digits and `._@-` of one script, and may not
 * look like another user's (`аdmin` with a Cyrillic а beside `admin`).
 */

export type NameKind = "host" | "user" | "key" | "process";

const MAX: Record<NameKind, number> = { host: 128, user: 64, key: 128, process: 64 };
const LABEL: Record<NameKind, string> = {
  host: "Host name",
  user: "User name",
  key: "Key name",
  process: "Process name",
};

/** Characters no name may hold. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
const HIDDEN_ALL = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;
const USER_CHARS = /^[\p{L}\p{M}\p{N}._@-]+$/u;
const SCRIPTS = ["Latin", "Cyrillic", "Greek", "Armenian", "Han", "Arabic", "Hebrew"] as const;

/** The checked name, or why it is refused (a sentence a user can act on). */
export type NameCheck = { ok: true; name: string } | { ok: false; problem: string };

/** Checks a name someone typed. */
export function checkName(kind: NameKind, raw: string): NameCheck {
  if (!raw.isWellFormed()) return { ok: false, problem: `${LABEL[kind]}: not valid text` };
  const name = raw.normalize("NFC").trim();
  if (!name) return { ok: false, problem: `${LABEL[kind]}: required` };
  if ([...name].length > MAX[kind]) {
    return { ok: false, problem: `${LABEL[kind]}: at most ${MAX[kind]} characters` };
  }
  if (HIDDEN.test(name)) {
    return {
      ok: false,
      problem: `${LABEL[kind]}: no control, invisible or direction-changing characters`,
    };
  }
  if (kind === "user") {
    if (!USER_CHARS.test(name)) {
      return {
        ok: false,
        problem: "User name: letters, digits, dots, dashes, underscores or @ only",
      };
    }
    const scripts = SCRIPTS.filter((s) => new RegExp(`\\p{Script=${s}}`, "u").test(name));
    if (scripts.length > 1) {
      return {
        ok: false,
        problem: `User name: letters of one script only (has ${scripts.join(", ")})`,
      };
    }
  }
  return { ok: true, name };
}

/**
 * A name an agent sent (its hostname): it cannot be asked again, so what
 * hides is removed rather than refused; "" when nothing is left.
 */
export function cleanName(kind: NameKind, raw: string): string {
  const text = raw.isWellFormed() ? raw : raw.toWellFormed();
  return [...text.normalize("NFC").replace(HIDDEN_ALL, "").trim()].slice(0, MAX[kind]).join("")
    .trim();
}

/**
 * A name someone typed that was not checked (a failed sign-in's), made safe
 * to show: what would hide or rearrange text is written as `\u{…}`, so the
 * audit log shows what was tried and cannot be made to say something else.
 */
export function visible(raw: string): string {
  return raw.toWellFormed().replace(
    HIDDEN_ALL,
    (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`,
  );
}

/**
 * Letters that look like Latin ones, mapped to them (the common part of
 * Unicode's confusables for Cyrillic and Greek), for {@link skeleton}.
 */
const LOOKALIKE: Record<string, string> = {
  "а": "a",
  "в": "b",
  "е": "e",
  "ё": "e",
  "к": "k",
  "м": "m",
  "н": "h",
  "о": "o",
  "р": "p",
  "с": "c",
  "т": "t",
  "у": "y",
  "х": "x",
  "і": "i",
  "ї": "i",
  "ј": "j",
  "ѕ": "s",
  "ԁ": "d",
  "ԛ": "q",
  "ԝ": "w",
  "һ": "h",
  "ɑ": "a",
  "ɡ": "g",
  "α": "a",
  "β": "b",
  "ε": "e",
  "η": "n",
  "ι": "i",
  "κ": "k",
  "ν": "v",
  "ο": "o",
  "ρ": "p",
  "τ": "t",
  "υ": "u",
  "χ": "x",
  "ω": "w",
  "0": "o",
  "1": "l",
  "|": "l",
  "_": "-",
  ".": "-",
};

/** What a name looks like, for telling look-alikes apart: case, accents and look-alike letters folded. */
export function skeleton(name: string): string {
  return [...name.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()]
    .map((ch) => LOOKALIKE[ch] ?? ch).join("").replaceAll("i", "l");
}

/** The existing user name `name` would be mistaken for, if any. */
export function lookalikeOf(name: string, existing: Iterable<string>): string | null {
  const s = skeleton(name);
  for (const other of existing) if (skeleton(other) === s) return other;
  return null;
}
