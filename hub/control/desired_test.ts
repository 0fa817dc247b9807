import { assertEquals } from "../../lib/assert.ts";
import { SqliteStore } from "../store/sqlite/sqlite_store.ts";
import {
  desiredFor,
  type DesiredItem,
  forgetHost,
  INTERVAL_ITEM,
  setHostInterval,
} from "./desired.ts";

const interval = (seconds: number): DesiredItem => ({
  key: INTERVAL_ITEM,
  value: { case: "metricsInterval", value: { seconds } },
});

Deno.test("desiredFor() sends nothing to a current agent, a diff on a known version, else the whole set", async () => {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/t.db`);
  try {
    await store.migrate();
    // Nothing set and nothing held: nothing to send.
    assertEquals(await desiredFor(store, "h1", 0), null);
    assertEquals(await setHostInterval(store, "h1", 15), 1);
    const whole = { version: 1, full: true, set: [interval(15)], removed: [] };
    assertEquals(await desiredFor(store, "h1", 0), whole);
    assertEquals(await desiredFor(store, "h1", 1), null);
    assertEquals(await setHostInterval(store, "h1", 20), 2);
    assertEquals(await desiredFor(store, "h1", 1), {
      version: 2,
      full: false,
      set: [interval(20)],
      removed: [],
    });
    assertEquals(await setHostInterval(store, "h1", null), 3);
    assertEquals(await desiredFor(store, "h1", 2), {
      version: 3,
      full: false,
      set: [],
      removed: [INTERVAL_ITEM],
    });
    // Held from before the store was replaced (a version this hub never gave): the whole set.
    assertEquals(await desiredFor(store, "h1", 9), {
      version: 3,
      full: true,
      set: [],
      removed: [],
    });
    // Another host is its own.
    assertEquals(await desiredFor(store, "h2", 0), null);
    await forgetHost(store, "h1");
    assertEquals(await desiredFor(store, "h1", 0), null);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
