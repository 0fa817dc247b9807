import { assertEquals } from "./assert.ts";
import { DEFAULT_VIEW, type FleetView, parseView, viewQuery } from "./fleet_view.ts";

Deno.test("a fleet view survives the round trip through its URL", () => {
  const view: FleetView = {
    q: "web eu",
    status: "offline",
    tag: "db",
    sort: "cpu_percent",
    desc: true,
  };
  const query = viewQuery(view);
  assertEquals(query, "?q=web+eu&status=offline&tag=db&sort=cpu_percent&desc=1");
  assertEquals(parseView(new URLSearchParams(query)), view);
  assertEquals(viewQuery(DEFAULT_VIEW), "");
});

Deno.test("a fleet URL with unknown or oversized values falls back to the default view", () => {
  assertEquals(
    parseView(new URLSearchParams("status=sideways&sort=password&desc=yes&q=" + "x".repeat(500))),
    { ...DEFAULT_VIEW, q: "x".repeat(200) },
  );
});
