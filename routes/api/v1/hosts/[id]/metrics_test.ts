/**
 * The metrics routes on a young host, on SQLite and (with DATABASE_URL) on
 * PostgreSQL: the newest buckets of a rollup answer are computed from what
 * has arrived, before the history worker has rolled anything up.
 */
import { assert, assertEquals } from "../../../../../lib/assert.ts";
import { openStore } from "../../../../../hub/store/open.ts";
import { rollUpAll } from "../../../../../hub/store/retention.ts";
import type { Store } from "../../../../../hub/store/store.ts";
import { freshDatabase, testDatabaseServer } from "../../../../../tests/pg.ts";
import { apiApp, AUTH } from "../../../../testing.ts";

const server = testDatabaseServer();

/** The API on a fresh store of `backend`, with one registered host, h1. */
async function setup(backend: "sqlite" | "postgres") {
  let url: string;
  let drop: () => Promise<void>;
  if (backend === "sqlite") {
    const dir = await Deno.makeTempDir();
    url = `sqlite:${dir}/t.db`;
    drop = () => Deno.remove(dir, { recursive: true });
  } else {
    const db = await freshDatabase(server!);
    url = db.url;
    drop = db.drop;
  }
  const store = openStore(url, { pool: 2 });
  return {
    ...await apiApp(store),
    store,
    async [Symbol.asyncDispose]() {
      await store.close();
      await drop();
    },
  };
}

/** Stores one cpu_percent sample per [time, value], numbering batches from `seq`. */
async function cpu(store: Store, seq: number, samples: Array<[number, number]>) {
  for (const [i, [ts, value]] of samples.entries()) {
    await store.metrics.writeBatch("h1", {
      seq: seq + i,
      ts,
      points: [{ metric: "cpu_percent", label: "", value }],
      latest: {},
    });
  }
}

type Answer = {
  tier: string;
  step_s: number;
  points: Array<[number, number | null]>;
  min: Array<number | null>;
  max: Array<number | null>;
  complete: boolean[];
};

/** The buckets of `stepMs` the samples fall in, each with its average, min and max. */
function expectedBuckets(samples: Array<[number, number]>, stepMs: number) {
  const by = new Map<number, number[]>();
  for (const [ts, v] of samples) {
    const t = ts - (ts % stepMs);
    by.set(t, [...(by.get(t) ?? []), v]);
  }
  return [...by].map(([t, vs]) => ({
    t,
    avg: vs.reduce((a, b) => a + b, 0) / vs.length,
    min: Math.min(...vs),
    max: Math.max(...vs),
  }));
}

/** The answer's buckets that hold a value, as expectedBuckets() writes them. */
function filled(a: { points: Answer["points"]; min: Answer["min"]; max: Answer["max"] }) {
  return a.points.flatMap(([t, v], i) =>
    v === null ? [] : [{ t, avg: v, min: a.min[i]!, max: a.max[i]! }]
  );
}

const iso = (ms: number) => new Date(ms).toISOString();
const DAY = 86_400_000;

for (const backend of ["sqlite", "postgres"] as const) {
  Deno.test({
    name: `${backend}: a young host's 24 h, 7 d and 1 y reach now while the rollups lag`,
    ignore: backend === "postgres" && server === null,
    async fn() {
      await using t = await setup(backend);
      // Four minutes of 5 s samples, the newest at now; the history worker has not run.
      // Every range below ends just after it, so the newest bucket always holds a sample
      // (reading the clock again could step past a bucket boundary).
      const now = Date.now();
      const samples = Array.from(
        { length: 48 },
        (_, i): [number, number] => [now - 235_000 + i * 5000, 10 + (i % 7)],
      );
      const to = now + 1;
      await cpu(t.store, 1, samples);
      for (
        const [range, tier, stepS] of [
          [DAY, "1m", 120],
          [7 * DAY, "10m", 1200],
          [365 * DAY, "1d", 86400],
        ] as const
      ) {
        const q = `metric=cpu_percent&from=${iso(to - range)}&to=${iso(to)}`;
        const res = await t.app.request(`/api/v1/hosts/h1/metrics?${q}`, { headers: AUTH });
        assertEquals(res.status, 200);
        const body: Answer = await res.json();
        assertEquals([body.tier, body.step_s], [tier, stepS]);
        const got = filled(body);
        assertEquals(got, expectedBuckets(samples, stepS * 1000), `${tier} buckets`);
        // The newest bucket holds now, and it is still open.
        const last = body.points.length - 1;
        assertEquals(got.at(-1)!.t, body.points[last][0]);
        assert(body.points[last][0] <= to && to < body.points[last][0] + stepS * 1000);
        assertEquals(body.complete[last], false);
      }
      // The fleet endpoint reads the same way.
      const q = `metric=cpu_percent&from=${iso(to - 365 * DAY)}&to=${iso(to)}`;
      const fleet = await (await t.app.request(`/api/v1/metrics?${q}`, { headers: AUTH })).json();
      assertEquals(filled(fleet.hosts[0]), expectedBuckets(samples, DAY));
    },
  });

  Deno.test({
    name: `${backend}: older buckets come from the rollups, the newest from what has arrived`,
    ignore: backend === "postgres" && server === null,
    async fn() {
      await using t = await setup(backend);
      const now = Date.now();
      // Three days ago, rolled up; then raw samples of that hour are gone (pruned),
      // so only the rollup can answer for it.
      const old: Array<[number, number]> = [[now - 3 * DAY, 40], [now - 3 * DAY + 30_000, 60]];
      await cpu(t.store, 1, old);
      await rollUpAll(t.store);
      await t.store.history.pruneRaw(now - 2 * DAY);
      const recent: Array<[number, number]> = [[now - 60_000, 5], [now - 30_000, 7]];
      await cpu(t.store, 3, recent);

      const to = Date.now();
      const q = `metric=cpu_percent&from=${iso(to - 7 * DAY)}&to=${iso(to)}`;
      const body: Answer = await (await t.app.request(`/api/v1/hosts/h1/metrics?${q}`, {
        headers: AUTH,
      })).json();
      assertEquals(body.tier, "10m");
      assertEquals(filled(body), [
        ...expectedBuckets(old, 1_200_000),
        ...expectedBuckets(recent, 1_200_000),
      ]);
    },
  });
}
