/** The lease store's conformance tests, and its fence inside rollup runs (see ../conformance.ts). */
import { assertEquals } from "../../../lib/assert.ts";
import type { StoreTest } from "../conformance_helpers.ts";
import { LeaseLostError } from "./types.ts";

/** Registers the lease tests. */
export function leasesConformance(test: StoreTest): void {
  test("leases: one of two holders wins; it renews; expiry and release hand it over", async (s) => {
    const l = s.leases;
    // Two hubs contend at once: exactly one wins.
    const both = await Promise.all([
      l.acquire("job", "a", 1000, 0),
      l.acquire("job", "b", 1000, 0),
    ]);
    assertEquals(both.filter(Boolean).length, 1);
    const [winner, loser] = both[0] ? ["a", "b"] : ["b", "a"];
    // The holder renews before expiry; the other is refused until it runs out.
    assertEquals(await l.acquire("job", winner, 1000, 900), true);
    assertEquals(await l.acquire("job", loser, 1000, 1500), false);
    assertEquals(await l.acquire("job", loser, 1000, 1900), true);
    assertEquals(await l.acquire("job", winner, 1000, 1950), false);
    // Release hands it over at once; only its holder can release it.
    assertEquals(await l.release("job", winner), false);
    assertEquals(await l.release("job", loser), true);
    assertEquals(await l.acquire("job", winner, 1000, 2000), true);
    // Leases of other names are apart.
    assertEquals(await l.acquire("other", loser, 1000, 2000), true);
  });

  test("leases: a restarted hub takes its predecessor's lease at once; no one else does", async (s) => {
    const l = s.leases;
    assertEquals(await l.acquire("job", "old", 30_000, 0), true);
    // Another hub must wait for it to run out, even naming some other predecessor.
    assertEquals(await l.acquire("job", "other", 30_000, 1000, "gone"), false);
    // The process started after "old" on its data dir takes it now.
    assertEquals(await l.acquire("job", "new", 30_000, 1000, "old"), true);
    // "old", if it still ran, is out (it renews nothing), and cannot take it back.
    assertEquals(await l.acquire("job", "old", 30_000, 2000), false);
    assertEquals(await l.acquire("job", "other", 30_000, 2000, "old"), false);
    assertEquals(await l.acquire("job", "new", 30_000, 2000, "old"), true);
  });

  test("a rollup run for a hub that lost the rollup lease writes nothing", async (s) => {
    const now = Date.now();
    assertEquals(await s.leases.acquire("rollup", "hub-a", 60_000, now), true);
    const run = { now, horizon: 0, force: true };
    assertEquals(await s.history.rollUp({ ...run, holder: "hub-a" }), { batches: 0, buckets: 0 });
    const lost = await s.history.rollUp({ ...run, holder: "hub-b" }).then(() => null, (e) => e);
    assertEquals(lost instanceof LeaseLostError, true);
  });
}
