/** The stream nonce store's conformance tests (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import type { StoreTest } from "../conformance_helpers.ts";

/** Registers the nonces tests. */
export function noncesConformance(test: StoreTest): void {
  test("nonces.remember() refuses a nonce until it expires", async (s) => {
    assertEquals(await s.nonces.remember("n1", 1000, 0), true);
    assertEquals(await s.nonces.remember("n1", 1000, 500), false);
    assertEquals(await s.nonces.remember("n2", 1000, 500), true);
    // Expired entries are forgotten: the clock window refuses such a timestamp anyway.
    assertEquals(await s.nonces.remember("n1", 3000, 2000), true);
  });
}
