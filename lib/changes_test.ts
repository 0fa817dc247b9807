import { assertEquals } from "./assert.ts";
import { groupMarkers, kindLabel } from "./changes.ts";

Deno.test("groupMarkers(): changes within the gap of a group's first are one marker", () => {
  const groups = groupMarkers([0, 3, 6, 20, 21, 40], (x) => x, 5);
  assertEquals(groups.map((g) => [g.x, g.changes]), [
    [0, [0, 3]],
    [6, [6]],
    [20, [20, 21]],
    [40, [40]],
  ]);
  assertEquals(groupMarkers([], (x: number) => x, 5), []);
});

Deno.test("kindLabel(): known kinds in words, others as they are", () => {
  assertEquals([kindLabel("reboot"), kindLabel("container"), kindLabel("vm")], [
    "Reboot",
    "Container",
    "vm",
  ]);
});
