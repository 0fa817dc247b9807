import { assertEquals } from "../../lib/assert.ts";
import { StatusMirror } from "./status_mirror.ts";

const on = (t: number) => ({ status: "online" as const, lastSeen: t, pendingBatches: 0 });
const off = (t: number) => ({ status: "offline" as const, lastSeen: t, pendingBatches: 0 });

Deno.test("StatusMirror keeps a host online while any hub says so", () => {
  const m = new StatusMirror();
  assertEquals(m.set("h", on(1), "a"), { hostId: "h", status: "online", lastSeen: 1 });
  // The agent moves to hub b before hub a notices it left: no flicker.
  assertEquals(m.set("h", on(5), "b"), null);
  assertEquals(m.set("h", off(4), "a"), null);
  assertEquals(m.set("h", off(9), "b"), { hostId: "h", status: "offline", lastSeen: 9 });
});

Deno.test("StatusMirror.dropHub() takes a dead hub's hosts offline", () => {
  const m = new StatusMirror();
  m.set("h1", on(1), "a");
  m.set("h2", on(2), "a");
  m.set("h2", on(3), "b");
  assertEquals(m.dropHub("a"), [{ hostId: "h1", status: "offline", lastSeen: 1 }]);
  assertEquals(m.snapshot("b").map((s) => s.hostId), ["h2"]);
  assertEquals(m.dropHub("a"), []);
});
