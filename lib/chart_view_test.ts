import { assertEquals } from "./assert.ts";
import { DEFAULT_VIEW, RANGES, span, viewFromQuery, viewToQuery } from "./chart_view.ts";

const q = (s: string) => new URLSearchParams(s);

Deno.test("every preset and a fixed span survive the trip through the URL", () => {
  for (const r of RANGES) {
    const view = { last: r.seconds };
    assertEquals(viewFromQuery(viewToQuery(view, q(""))), view, r.key);
  }
  const fixed = { from: Date.UTC(2024, 4, 1, 12, 0, 0, 123), to: Date.UTC(2024, 4, 3) };
  const written = viewToQuery(fixed, q("range=7d"));
  assertEquals(
    written.toString(),
    "from=2024-05-01T12%3A00%3A00.123Z&to=2024-05-03T00%3A00%3A00.000Z",
  );
  assertEquals(viewFromQuery(written), fixed);
});

Deno.test("the URL says range=24h, keeps other parameters, and stays bare for the default", () => {
  assertEquals(viewToQuery({ last: 86400 }, q("from=x&to=y&tab=2")).toString(), "tab=2&range=24h");
  assertEquals(viewToQuery(DEFAULT_VIEW, q("range=1y")).toString(), "");
  assertEquals(viewFromQuery(q("range=24h")), { last: 86400 });
  assertEquals(viewFromQuery(q("")), DEFAULT_VIEW);
});

Deno.test("a malformed view in the URL opens the default view", () => {
  for (
    const bad of [
      "range=2h",
      "range=",
      "from=2024-05-01T00:00:00Z",
      "from=yesterday&to=now",
      "from=2024-05-01T00:00:00Z&to=2024-05-01T00:00:30Z",
      "from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z",
      "from=2024-13-45T00:00:00Z&to=2024-14-01T00:00:00Z",
      "from=1714521600000&to=1714608000000",
    ]
  ) {
    assertEquals(viewFromQuery(q(bad)), DEFAULT_VIEW, bad);
  }
});

Deno.test("span() follows now for a preset and is fixed for a span", () => {
  assertEquals(span({ last: 60 }, 100_000), [40_000, 100_000]);
  assertEquals(span({ from: 1, to: 2 }, 100_000), [1, 2]);
});
