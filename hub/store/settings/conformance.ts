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

  test("settings.matching() finds the keys between a prefix and a suffix, and only those", async (s) => {
    await s.settings.set("host.a.interval_s", "5");
    await s.settings.set("host.b.interval_s", "7");
    await s.settings.set("host.a.desired", "{}");
    await s.settings.set("hostXinterval_s", "9");
    assertEquals(
      [...await s.settings.matching("host.", ".interval_s")].sort(),
      [["host.a.interval_s", "5"], ["host.b.interval_s", "7"]],
    );
  });

  test("settings.update() writes several keys and its audit entry at once; concurrent ones never read the same values", async (s) => {
    await s.settings.set("n", "0");
    const bump = () =>
      s.settings.update(
        ["n", "gone"],
        (current) => new Map([["n", String(Number(current.get("n")) + 1)], ["gone", null]]),
        { at: 1, actor: "ann", action: "setting.set", target: "n" },
      );
    await s.settings.set("gone", "x");
    // Twenty at once: a lost update would leave n below 20.
    await Promise.all(Array.from({ length: 20 }, bump));
    assertEquals(await s.settings.get("n"), "20");
    assertEquals(await s.settings.get("gone"), null);
    assertEquals((await s.audit.list(50)).length, 20);
  });
}
