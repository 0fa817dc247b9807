import { assert, assertEquals } from "../lib/assert.ts";
import { backoffMs } from "./transport.ts";

Deno.test("backoffMs() doubles up to the cap, keeping half of it fixed and half random", () => {
  assertEquals(backoffMs(0, 30, () => 0), 500);
  assertEquals(backoffMs(0, 30, () => 1), 1000);
  assertEquals(backoffMs(3, 30, () => 0.5), 6000);
  assertEquals(backoffMs(10, 30, () => 1), 30_000);
  assertEquals(backoffMs(100, 30, () => 0), 15_000);
  const spread = new Set(Array.from({ length: 20 }, () => backoffMs(4, 30)));
  assert(spread.size > 1, "jittered");
});
