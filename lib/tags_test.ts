import { assertEquals } from "./assert.ts";
import { checkTags } from "./tags.ts";

Deno.test("tags are trimmed, lower-cased, deduplicated and sorted; none is fine", () => {
  assertEquals(checkTags(" Web, eu-west,web ,, "), { ok: true, tags: ["eu-west", "web"] });
  assertEquals(checkTags(""), { ok: true, tags: [] });
  assertEquals(checkTags("rack:4, db_1.main"), { ok: true, tags: ["db_1.main", "rack:4"] });
});

Deno.test("a bad tag is named, and more than 16 are refused", () => {
  assertEquals(checkTags("ok, not ok!"), {
    ok: false,
    problem: 'Invalid tag "not ok!": 1 to 32 letters, digits, . _ : -',
  });
  assertEquals(checkTags("x".repeat(33)).ok, false);
  assertEquals(checkTags("a\u202Eb").ok, false);
  const many = Array.from({ length: 17 }, (_, i) => `t${i}`).join(",");
  assertEquals(checkTags(many), { ok: false, problem: "At most 16 tags" });
});
