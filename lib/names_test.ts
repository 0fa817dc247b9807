import { assert, assertEquals } from "./assert.ts";
import { checkName, cleanName, lookalikeOf, visible } from "./names.ts";

const refused = (kind: "host" | "user" | "key", raw: string) => {
  const c = checkName(kind, raw);
  return c.ok ? null : c.problem;
};

Deno.test("names hold nothing that hides or rearranges what is shown", () => {
  for (
    const raw of [
      "web\u001b[31m", // ESC
      "web\u0000db", // NUL
      "invoice\u202Egpj.exe", // right-to-left override
      "web\u200B01", // zero-width space
      "we\uFEFFb", // BOM (at the ends it is trimmed away like a space)
      "web\u2028db", // line separator
      "web\uE000", // private use
      "web\uD800", // a lone surrogate
    ]
  ) {
    for (const kind of ["host", "user", "key"] as const) {
      assert(refused(kind, raw), `${kind}: ${JSON.stringify(raw)}`);
    }
  }
  assertEquals(checkName("host", "  Web server 1 — Zürich  "), {
    ok: true,
    name: "Web server 1 — Zürich",
  });
  assertEquals(checkName("key", "ci (deploy)"), { ok: true, name: "ci (deploy)" });
  assert(refused("host", "x".repeat(129)));
  assert(refused("key", "   "));
});

Deno.test("user names: one script, no spaces or symbols, and not like another user's", () => {
  assertEquals(checkName("user", "anna.k@ops"), { ok: true, name: "anna.k@ops" });
  assertEquals(checkName("user", "Ёлка"), { ok: true, name: "Ёлка" });
  assert(refused("user", "\u0430dmin")?.includes("one script"), "Cyrillic а in a Latin name");
  assert(refused("user", "ann smith"));
  assertEquals(lookalikeOf("\u0430dmin", ["root", "admin"]), "admin");
  assertEquals(lookalikeOf("ADMIN", ["admin"]), "admin");
  assertEquals(lookalikeOf("adm1n", ["admin"]), "admin", "a 1 for an i");
  assertEquals(lookalikeOf("adam", ["admin"]), null);
  assertEquals(lookalikeOf("admln", ["admin"]), "admin");
  assertEquals(lookalikeOf("anna", ["admin", "ann"]), null);
});

Deno.test("a name an agent sent (its hostname, a process name) is cleaned, not refused", () => {
  assertEquals(cleanName("host", "web\u001b[31m01\u0000evil"), "web[31m01evil");
  assertEquals(cleanName("host", "\u202Eweb"), "web");
  assertEquals(cleanName("host", "\u0000\u0001"), "");
  assertEquals([...cleanName("host", "é".repeat(300))].length, 128);
  assertEquals(cleanName("process", "kworker/0:1\u0007" + "x".repeat(100)).length, 64);
});

Deno.test("an unchecked name is shown with what would hide or rearrange it spelled out", () => {
  assertEquals(visible("ad\u202Emin\u0000"), "ad\\u{202E}min\\u{0}");
  assertEquals(visible("ann"), "ann");
  assertEquals(visible("x\uD800"), "x\uFFFD");
});
