import { assert, assertEquals } from "../lib/assert.ts";
import { backoffMs, pushbackMs } from "./transport.ts";

Deno.test("backoffMs() spreads the first retry over 5 s, then doubles the range up to the cap", () => {
  assertEquals(backoffMs(0, 30, () => 0), 100);
  assertEquals(backoffMs(0, 30, () => 1), 5000);
  assertEquals(backoffMs(1, 30, () => 1), 10_000);
  assertEquals(backoffMs(10, 30, () => 1), 30_000);
  assertEquals(backoffMs(100, 30, () => 0), 100);
  // A small cap (tests use 2 s) bounds the first retry too.
  assertEquals(backoffMs(0, 2, () => 1), 2000);
  // A fleet dropped at once comes back spread out: 1,000 agents' first
  // retries fall in every second of the 5 s window.
  const seconds = new Set(Array.from({ length: 1000 }, () => Math.floor(backoffMs(0, 30) / 1000)));
  assertEquals([...seconds].sort(), [0, 1, 2, 3, 4]);
});

Deno.test("pushbackMs() waits at least what the hub asked, up to half again, within the cap", () => {
  assertEquals(pushbackMs(2000, 30, () => 0), 2000);
  assertEquals(pushbackMs(2000, 30, () => 1), 3000);
  assertEquals(pushbackMs(60_000, 30, () => 0), 30_000);
  const spread = new Set(Array.from({ length: 20 }, () => pushbackMs(2000, 30)));
  assert(spread.size > 1, "jittered");
});
