import { assertEquals } from "../../lib/assert.ts";
import { DEFAULT_RETENTION, isComplete, planRange } from "./tiers.ts";

const NOW = Date.UTC(2026, 10, 24, 12);
const H = 3_600_000;
const D = 24 * H;

/** The plan for the range that ends now and lasts `span`. */
function plan(span: number, retention = DEFAULT_RETENTION, intervalMs = 30_000) {
  const p = planRange(NOW - span, NOW, intervalMs, retention, NOW);
  return { tier: p.tier, step_s: p.stepMs / 1000, points: Math.ceil(span / p.stepMs) };
}

Deno.test("planRange() picks the tier that gives about 300–1,000 points", () => {
  assertEquals(plan(H), { tier: "raw", step_s: 30, points: 120 });
  assertEquals(plan(6 * H), { tier: "1m", step_s: 60, points: 360 });
  assertEquals(plan(D), { tier: "1m", step_s: 120, points: 720 });
  assertEquals(plan(7 * D), { tier: "10m", step_s: 1200, points: 504 });
  assertEquals(plan(30 * D), { tier: "1h", step_s: 3600, points: 720 });
  assertEquals(plan(90 * D), { tier: "1h", step_s: 3 * 3600, points: 720 });
  assertEquals(plan(365 * D), { tier: "1d", step_s: 86400, points: 365 });
  assertEquals(plan(5 * 365 * D), { tier: "1d", step_s: 2 * 86400, points: 913 });
});

Deno.test("planRange() on raw data never steps finer than the agent sends", () => {
  assertEquals(plan(15 * 60_000), { tier: "raw", step_s: 30, points: 30 });
  assertEquals(plan(H, DEFAULT_RETENTION, 5_000), { tier: "raw", step_s: 5, points: 720 });
});

Deno.test("planRange() goes coarser when a tier no longer holds the range's start", () => {
  // A day, two months ago: 1 min buckets are kept 30 days, 10 min ones 180.
  const p = planRange(NOW - 60 * D, NOW - 59 * D, 30_000, DEFAULT_RETENTION, NOW);
  assertEquals([p.tier, p.stepMs], ["10m", 600_000]);
  // An hour last month: raw is gone, so 1 min buckets.
  const q = planRange(NOW - 20 * D, NOW - 20 * D + H, 30_000, DEFAULT_RETENTION, NOW);
  assertEquals([q.tier, q.stepMs], ["1m", 60_000]);
  // Nothing but daily buckets reach back 3 years.
  const r = planRange(NOW - 3 * 365 * D, NOW - 3 * 365 * D + D, 30_000, DEFAULT_RETENTION, NOW);
  assertEquals(r.tier, "1d");
});

Deno.test("isComplete() wants the bucket ended and at most one (or 10 %) of its samples missing", () => {
  const t = NOW - D;
  assertEquals(isComplete(t, 60_000, 2, 30_000, NOW), true);
  assertEquals(isComplete(t, 60_000, 1, 30_000, NOW), true);
  assertEquals(isComplete(t, 600_000, 18, 30_000, NOW), true);
  assertEquals(isComplete(t, 600_000, 17, 30_000, NOW), false);
  assertEquals(isComplete(t, D, 2600, 30_000, NOW), true);
  assertEquals(isComplete(t, D, 2000, 30_000, NOW), false);
  assertEquals(isComplete(NOW - 30_000, 60_000, 2, 30_000, NOW), false, "still filling");
  assertEquals(isComplete(t, 60_000, 0, 30_000, NOW), false);
});
