/**
 * The one rule for host tags, wherever they are typed: a comma-separated
 * list, trimmed and lower-cased, duplicates dropped, sorted; each tag 1 to 32
 * letters, digits or `. _ : -`, at most 16 of them.
 */

const TAG_RE = /^[\p{L}\p{N}._:-]{1,32}$/u;
const MAX_TAGS = 16;

/** The checked tags, or why they are refused (a sentence naming the bad tag). */
export type TagCheck = { ok: true; tags: string[] } | { ok: false; problem: string };

/** Checks "web, eu-west" as typed: `["eu-west", "web"]`. */
export function checkTags(text: string): TagCheck {
  const tags = [...new Set(text.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))];
  const bad = tags.find((t) => !TAG_RE.test(t));
  if (bad !== undefined) {
    return {
      ok: false,
      problem: `Invalid tag "${bad.slice(0, 40)}": 1 to 32 letters, digits, . _ : -`,
    };
  }
  if (tags.length > MAX_TAGS) return { ok: false, problem: `At most ${MAX_TAGS} tags` };
  return { ok: true, tags: tags.sort() };
}
