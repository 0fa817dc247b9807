/** The check editor's bodies: a new check whole, an edit only what changed, masks left alone. */
import { assertEquals } from "../lib/assert.ts";
import { parseCheck } from "../lib/probes/check.ts";
import { bodyOf, changedFields, draftOf, NEW } from "./CheckEditor.tsx";

const SHOWN = parseCheck("c1", {
  name: "Shop",
  type: "http",
  target: "https://probe:%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2@shop.example/health",
  interval_s: 30,
  expect: { status: 200, headers: { Authorization: "••••1234" } },
  runs_on: { tag: "web" },
});

Deno.test("check editor: a new check is sent whole, and parseCheck takes it", () => {
  const body = bodyOf({ ...NEW, name: "Site", target: "https://example.com/" });
  assertEquals(body.runs_on, { any: 1 });
  assertEquals(body.expect, {});
  parseCheck("x", body);
  const push = bodyOf({ ...NEW, name: "Backup", type: "push", interval_s: "3600" });
  assertEquals(Object.keys(push).sort(), [
    "interval_s",
    "name",
    "recover_rounds",
    "rounds",
    "type",
  ]);
  parseCheck("x", push);
});

Deno.test("check editor: an edit sends only what changed, a masked header as shown", () => {
  const was = draftOf(SHOWN);
  assertEquals(changedFields(was, was), {}, "untouched: nothing");
  assertEquals(changedFields(was, { ...was, interval_s: "45" }), { interval_s: 45 });
  // Another expect field changed: the header goes as its mask, which the hub keeps.
  assertEquals(changedFields(was, { ...was, keyword: "ok" }), {
    expect: { status: 200, keyword: "ok", headers: { Authorization: "••••1234" } },
  });
  const typed = { ...was, headers: [{ ...was.headers[0], value: "Bearer new" }] };
  assertEquals(changedFields(was, typed), {
    expect: { status: 200, headers: { Authorization: "Bearer new" } },
  });
  assertEquals(changedFields(was, { ...was, headers: [] }), { expect: { status: 200 } });
});
