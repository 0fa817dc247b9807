/**
 * The assigner's start-up grace, on a real store (both dialects) with a
 * clock the test moves: after a restart a host no hub has spoken of keeps
 * the "any N" check it is stored with, until its status is heard or the
 * grace is over; then the check moves.
 */
import { assertEquals } from "../../lib/assert.ts";
import { useCaseTest } from "../usecases/testing.ts";
import { host } from "../store/conformance_helpers.ts";
import { parseCheck } from "../../lib/probes/check.ts";
import { logger } from "../../lib/log.ts";
import { ProbeAssigner } from "./assigner.ts";
import { hostChecks } from "../control/desired.ts";
import type { Store } from "../store/store.ts";

const GRACE = 60_000;

function assigner(store: Store, online: Set<string>, clock: { t: number }) {
  const told: string[] = [];
  const sets: Array<Map<string, Set<string>>> = [];
  const a = new ProbeAssigner({
    store,
    online: (h) => online.has(h.id),
    desiredChanged: (id) => told.push(id),
    assigned: (s) => void sets.push(s),
    log: logger("test"),
    graceMs: GRACE,
    now: () => clock.t,
  });
  return { a, told, sets };
}

/**
 * Two hosts and an "any 1" check, placed by an assigner that saw both online (the
 * hub before its restart): the host it went to, and the other.
 */
async function placedBeforeRestart(store: Store, clock: { t: number }) {
  await host(store, "h1");
  await host(store, "h2");
  await store.probes.createCheck(
    parseCheck("cache", {
      name: "Cache",
      type: "tcp",
      target: "cache.internal:6379",
      runs_on: { any: 1 },
      interval_s: 30,
    }),
    0,
  );
  const before = assigner(store, new Set(["h1", "h2"]), clock);
  await before.a.sync();
  before.a.stop();
  const [first] = [...before.sets[0].get("cache")!];
  return { first, other: first === "h1" ? "h2" : "h1" };
}

useCaseTest(
  "assigner: after a restart an 'any N' check stays on its unheard host for the grace",
  async (store) => {
    const clock = { t: 1_000_000 };
    // Before the restart both hosts were online: the check went to one of them.
    const { first, other } = await placedBeforeRestart(store, clock);
    const stored = async (id: string) => Object.keys(await hostChecks(store, id));
    assertEquals(await stored(first), ["cache"]);

    // The restarted hub knows nobody online yet: the check stays where it is stored.
    const online = new Set<string>();
    const after = assigner(store, online, clock);
    try {
      await after.a.sync();
      assertEquals([...after.sets[0].get("cache")!], [first]);
      assertEquals(after.told, [], "no agent is told anything");
      // The other host comes back: the check's host, unheard of still, keeps it.
      online.add(other);
      after.a.statusHeard(other);
      await after.a.sync();
      assertEquals([...after.sets.at(-1)!.get("cache")!], [first]);
      assertEquals(after.told, []);
      // The grace is over and its host was never heard of: offline, the check moves.
      clock.t += GRACE;
      await after.a.sync();
      assertEquals([...after.sets.at(-1)!.get("cache")!], [other]);
      assertEquals(await stored(first), []);
      assertEquals(await stored(other), ["cache"]);
      assertEquals(after.told.sort(), [first, other].sort());
    } finally {
      after.a.stop();
    }
  },
);

useCaseTest(
  "assigner: in the grace, a host heard to be offline gives its check up",
  async (store) => {
    const clock = { t: 1_000_000 };
    const { first, other } = await placedBeforeRestart(store, clock);
    const after = assigner(store, new Set([other]), clock);
    try {
      after.a.statusHeard(other);
      after.a.statusHeard(first); // went offline since the start: that is news
      await after.a.sync();
      assertEquals([...after.sets[0].get("cache")!], [other]);
    } finally {
      after.a.stop();
    }
  },
);
