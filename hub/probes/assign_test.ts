import { assertEquals } from "../../lib/assert.ts";
import { parseCheck } from "../../lib/probes/check.ts";
import { assignedHosts } from "./assign.ts";

const check = (id: string, runs_on: unknown) =>
  parseCheck(id, { name: id, type: "tcp", target: "db:5432", interval_s: 30, runs_on });

const fleet = Array.from({ length: 20 }, (_, i) => ({
  id: `h${i}`,
  tags: i % 2 ? ["db"] : [],
  online: true,
  registered: true,
}));

Deno.test("assignment: named hosts and tags as said; a host not registered runs nothing", () => {
  assertEquals(assignedHosts(check("c", { hosts: ["h3", "h1", "nope"] }), fleet), ["h1", "h3"]);
  assertEquals(assignedHosts(check("c", { tag: "db" }), fleet).length, 10);
  const waiting = fleet.map((h) => h.id === "h1" ? { ...h, registered: false } : h);
  assertEquals(assignedHosts(check("c", { hosts: ["h1"] }), waiting), []);
  assertEquals(
    assignedHosts(parseCheck("p", { name: "p", type: "push", interval_s: 60 }), fleet),
    [],
  );
});

Deno.test("assignment: any N picks N online hosts, stably, and moves only the place of one gone", () => {
  const three = assignedHosts(check("c1", { any: 3 }), fleet);
  assertEquals(three.length, 3);
  assertEquals(assignedHosts(check("c1", { any: 3 }), [...fleet].reverse()), three);
  // Checks spread: another check does not pick the same three.
  const others = ["c2", "c3", "c4", "c5"].map((id) => assignedHosts(check(id, { any: 3 }), fleet));
  assertEquals(others.every((o) => o.join() === three.join()), false);
  // One of the three goes offline: the other two stay, one more takes its place.
  const gone = three[0];
  const after = assignedHosts(
    check("c1", { any: 3 }),
    fleet.map((h) => h.id === gone ? { ...h, online: false } : h),
  );
  assertEquals(after.length, 3);
  assertEquals(after.includes(gone), false);
  assertEquals(three.slice(1).every((h) => after.includes(h)), true);
});
