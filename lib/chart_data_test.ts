import { assertEquals } from "./assert.ts";
import { coverage, shortRuns } from "./chart_data.ts";

Deno.test("shortRuns() marks lone values and short runs between gaps, not long lines", () => {
  const v = [1, null, 2, 3, null, null, 4, 5, 6, 7, null, 8];
  assertEquals(shortRuns(v, 1), [0, 11]);
  assertEquals(shortRuns(v, 2), [0, 2, 3, 11]);
  assertEquals(shortRuns(v, 3), [0, 2, 3, 11]);
  assertEquals(shortRuns(v, 4), [0, 2, 3, 6, 7, 8, 9, 11]);
  assertEquals(shortRuns([null, undefined], 3), []);
  assertEquals(shortRuns([], 3), []);
});

Deno.test("coverage() tells a young host from one with enough data, or none", () => {
  const gaps = (n: number) => Array<number | null>(n).fill(null);
  // 5 minutes of a 24 h range at 2 min buckets: the last 3 of 720.
  assertEquals(coverage([[...gaps(717), 1, 2, 3]]), { state: "young", first: 717 });
  // One series starts early: the chart has enough.
  assertEquals(coverage([[...gaps(719), 1], [...gaps(100), ...Array(620).fill(1)]]), {
    state: "enough",
    first: 100,
  });
  // A host that sent for the last fifth of the range.
  assertEquals(coverage([[...gaps(80), ...Array(20).fill(1)]]).state, "enough");
  assertEquals(coverage([gaps(10), []]), { state: "none", first: -1 });
});
