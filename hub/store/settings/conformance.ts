/** The settings store's conformance tests (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import type { StoreTest } from "../conformance_helpers.ts";

/** Registers the settings tests. */
export function settingsConformance(test: StoreTest): void {
  test("settings set and clear", async (s) => {
    assertEquals(await s.settings.get("k"), null);
    await s.settings.set("k", "v1");
    await s.settings.set("k", "v2");
    assertEquals(await s.settings.get("k"), "v2");
    await s.settings.set("k", null);
    assertEquals(await s.settings.get("k"), null);
  });
}
