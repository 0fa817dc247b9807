import { assert, assertEquals } from "./assert.ts";
import { axisTicks } from "./ticks.ts";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

Deno.test("a memory axis near 1 GiB ticks at round MiB, not 477 and 954", () => {
  const t = axisTicks("bytes", 0, 1000 * MiB, 5);
  assertEquals(t.labels, ["0 MiB", "200 MiB", "400 MiB", "600 MiB", "800 MiB", "1000 MiB"]);
  assertEquals(t.values, [0, 200, 400, 600, 800, 1000].map((v) => v * MiB));
  assertEquals([t.min, t.max], [0, 1000 * MiB]);
});

Deno.test("an axis whose rounded top reaches 1024 of a unit is written in the next one", () => {
  const t = axisTicks("bytes", 0, 1010 * MiB, 5);
  assertEquals(t.labels, ["0.0 GiB", "0.2 GiB", "0.4 GiB", "0.6 GiB", "0.8 GiB", "1.0 GiB"]);
  assertEquals(t.max, GiB);
});

Deno.test("a rate axis never mixes B/s and KiB/s", () => {
  const t = axisTicks("rate", 0, 1536, 4);
  assertEquals(t.labels, ["0.0 KiB/s", "0.5 KiB/s", "1.0 KiB/s", "1.5 KiB/s"]);
  const units = new Set(axisTicks("rate", 3, 1.7 * GiB, 5).labels.map((l) => l.split(" ")[1]));
  assertEquals([...units], ["GiB/s"]);
});

Deno.test("plain bytes tick by whole bytes", () => {
  assertEquals(axisTicks("rate", 0, 3, 5).labels, ["0 B/s", "1 B/s", "2 B/s", "3 B/s"]);
  assertEquals(axisTicks("bytes", 0, 1000, 5).labels.at(-1), "1000 B");
});

Deno.test("every tick of every axis is 1, 2 or 5 × 10^n of the axis unit apart", () => {
  for (const top of [7, 999, 1023, 1024, 5e4, 3.3e7, 8.1e9, 2.2e12, 9e15, 3e18]) {
    for (const steps of [3, 5, 8]) {
      const t = axisTicks("bytes", 0, top, steps);
      assert(t.max >= top && t.min === 0, `${top}: ${t.min}..${t.max}`);
      const unit = t.labels[0].split(" ")[1];
      assert(t.labels.every((l) => l.endsWith(` ${unit}`)), t.labels.join());
      const nums = t.labels.map((l) => Number(l.split(" ")[0]));
      const step = nums[1] - nums[0];
      const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toFixed(6));
      assert([1, 2, 5].includes(mantissa), `${top}/${steps}: step ${step}`);
      assert(nums.every((n, i) => Math.abs(n - i * step) < step / 1e6), nums.join());
      assert(t.values.length - 1 <= steps + 1, `${top}/${steps}: ${t.labels.join()}`);
    }
  }
});

Deno.test("percent, load and temperature axes", () => {
  assertEquals(axisTicks("percent", 0, 100, 5).labels, ["0%", "20%", "40%", "60%", "80%", "100%"]);
  assertEquals(axisTicks("number", 0, 1.3, 4).labels, ["0.0", "0.5", "1.0", "1.5"]);
  // Temperatures do not start at zero.
  assertEquals(axisTicks("celsius", 41, 58, 4).labels, [
    "40 °C",
    "45 °C",
    "50 °C",
    "55 °C",
    "60 °C",
  ]);
});

Deno.test("no data, flat data and reversed ends still give a usable axis", () => {
  assertEquals(axisTicks("rate", NaN, NaN, 5).labels, ["0 B/s", "1 B/s"]);
  assertEquals(axisTicks("rate", 0, 0, 5).labels, ["0 B/s", "1 B/s"]);
  const flat = axisTicks("celsius", 45, 45, 5);
  assert(flat.min <= 45 && flat.max > 45, flat.labels.join());
  assertEquals(axisTicks("bytes", 1000 * MiB, 0, 5), axisTicks("bytes", 0, 1000 * MiB, 5));
});
