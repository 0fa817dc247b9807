import { assertEquals, assertThrows } from "../lib/assert.ts";
import { loadHubConfig } from "./config.ts";

Deno.test("retention: defaults per tier, days or forever from the environment", () => {
  assertEquals(loadHubConfig({}).retention, {
    raw: 7,
    "1m": 30,
    "10m": 180,
    "1h": 730,
    "1d": null,
  });
  const r = loadHubConfig({
    SIGHTLINE_RETENTION_RAW_DAYS: "2",
    SIGHTLINE_RETENTION_1M_DAYS: "14",
    SIGHTLINE_RETENTION_1H_DAYS: "forever",
    SIGHTLINE_RETENTION_1D_DAYS: "3650",
  }).retention;
  assertEquals(r, { raw: 2, "1m": 14, "10m": 180, "1h": null, "1d": 3650 });
  assertEquals(loadHubConfig({}).packageChangesDays, 400);
  for (const [value, days] of [["90", 90], ["forever", null]] as const) {
    assertEquals(
      loadHubConfig({ SIGHTLINE_RETENTION_PACKAGE_CHANGES_DAYS: value }).packageChangesDays,
      days,
    );
  }
  assertEquals(loadHubConfig({}).alertsDays, 400);
  for (const [value, days] of [["30", 30], ["forever", null]] as const) {
    assertEquals(loadHubConfig({ SIGHTLINE_RETENTION_ALERTS_DAYS: value }).alertsDays, days);
  }
});

Deno.test("retention: a value the hub cannot use stops it with the variable's name", () => {
  for (
    const [name, value] of [
      ["SIGHTLINE_RETENTION_1M_DAYS", "-1"],
      ["SIGHTLINE_RETENTION_1D_DAYS", "a year"],
      ["SIGHTLINE_RETENTION_RAW_DAYS", "forever"],
      ["SIGHTLINE_RETENTION_PACKAGE_CHANGES_DAYS", "0"],
      ["SIGHTLINE_RETENTION_ALERTS_DAYS", "a while"],
    ]
  ) {
    assertThrows(() => loadHubConfig({ [name]: value }), RangeError, name);
  }
});
