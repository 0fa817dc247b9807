/** The rule editor's body for each kind passes the API's own check (what a save sends). */
import { assertEquals } from "../lib/assert.ts";
import { checkRule } from "../lib/alerts/rules.ts";
import { bodyOf, NEW } from "./RuleEditor.tsx";

Deno.test("the rule editor sends check rules the API takes: a threshold for slow and expiring, no for on down", () => {
  const checked = (d: Partial<typeof NEW>) => {
    const c = checkRule(bodyOf({ ...NEW, name: "r", ...d }));
    return c.ok ? "ok" : `${c.error.field}: ${c.error.problem}`;
  };
  assertEquals(checked({ kind: "check_slow", label: "*", threshold: "500", for_s: 60 }), "ok");
  assertEquals(checked({ kind: "check_cert_expiring", label: "web", threshold: "14" }), "ok");
  // The editor's default `for` (300 s) is not sent for a check_down rule, which has none.
  assertEquals(checked({ kind: "check_down", label: "*" }), "ok");
  assertEquals(checked({ kind: "threshold" }), "ok");
});
