/** LeaseKeeper on a real store: two hubs' keepers on one database file; the lease identity of a restarted hub. */
import { assertEquals } from "../../../lib/assert.ts";
import { SqliteStore } from "../sqlite/store.ts";
import { leaseIdentity, LeaseKeeper } from "./keeper.ts";

/** A keeper whose changes can be awaited. */
function keeper(store: SqliteStore, holder: string) {
  const waiting: Array<{ held: boolean; resolve: () => void }> = [];
  const k = new LeaseKeeper(store.leases, "job", holder, {
    ttlMs: 300,
    onChange: (held) => {
      for (const w of waiting.splice(0)) {
        if (w.held === held) w.resolve();
        else waiting.push(w);
      }
    },
    onError: () => {},
  });
  const becomes = (held: boolean) =>
    k.held === held
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiting.push({ held, resolve }));
  return { k, becomes };
}

Deno.test("LeaseKeeper: one holder; release hands over; a holder that cannot renew is told it lost", async () => {
  const dir = await Deno.makeTempDir();
  const [one, two] = [new SqliteStore(`${dir}/t.db`), new SqliteStore(`${dir}/t.db`)];
  await one.migrate();
  const a = keeper(one, "hub-a");
  const b = keeper(two, "hub-b");
  try {
    await a.k.start();
    await b.k.start();
    assertEquals([a.k.held, b.k.held], [true, false]);
    // A stops: it releases, and B takes the lease at its next try.
    await a.k.stop();
    await b.becomes(true);
    assertEquals(a.k.signal.aborted, true);
    // A starts again and waits; then B's database goes away: B is told it
    // lost the lease (its job's signal aborts) and A takes it once it runs out.
    await a.k.start();
    assertEquals(a.k.held, false);
    const signal = b.k.signal;
    await two.close();
    await b.becomes(false);
    assertEquals(signal.aborted, true);
    await a.becomes(true);
  } finally {
    await a.k.stop();
    await b.k.stop();
    await one.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leaseIdentity: a restarted hub succeeds its ended predecessor, never a hub still running", async () => {
  const dir = await Deno.makeTempDir();
  const pg = "postgres://h/db";
  try {
    assertEquals(await leaseIdentity("sqlite:/x/s.db", dir), {
      holder: "embedded",
      predecessor: null,
    });
    const first = await leaseIdentity(pg, dir);
    assertEquals(first.predecessor, null);
    assertEquals((await Deno.readTextFile(`${dir}/lease_holder`)).trim(), first.holder);
    // A process of this machine that has ended: its successor takes its leases.
    const gone = new Deno.Command("true").spawn();
    await gone.status;
    const host = Deno.hostname();
    await Deno.writeTextFile(`${dir}/lease_holder`, `${host}:${gone.pid}:0123abcd\n`);
    assertEquals((await leaseIdentity(pg, dir)).predecessor, `${host}:${gone.pid}:0123abcd`);
    // One still running shares the data dir (a cluster may): nothing is taken from it.
    const running = new Deno.Command("sleep", { args: ["30"] }).spawn();
    try {
      await Deno.writeTextFile(`${dir}/lease_holder`, `${host}:${running.pid}:0123abcd\n`);
      assertEquals((await leaseIdentity(pg, dir)).predecessor, null);
    } finally {
      running.kill("SIGKILL");
      await running.status;
    }
    // Another machine's: whether it runs cannot be told here.
    await Deno.writeTextFile(`${dir}/lease_holder`, `elsewhere:${gone.pid}:0123abcd\n`);
    assertEquals((await leaseIdentity(pg, dir)).predecessor, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
