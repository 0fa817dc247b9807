/**
 * bench/ingest: the hub's store write path (writeBatch: batch record, series
 * lookup, samples, latest snapshot, in one transaction) in rows per second,
 * against a raw batched insert of the same rows into the same database in the
 * same run, one transaction per batch for both, the two taking turns. Also
 * reports how fast the history worker then folds those rows into the rollup
 * tiers (off the write path, but work the database does all the same).
 */
import { SqliteStore } from "../hub/store/sqlite/store.ts";
import { rollUpAll } from "../hub/store/retention.ts";
import { PostgresStore } from "../hub/store/postgres/store.ts";
import type { Store } from "../hub/store/store.ts";
import type { Point, StoredBatch } from "../hub/store/metrics/types.ts";
import { freshDatabase } from "../tests/pg.ts";
import { addHosts, benchDatabaseServer } from "./common.ts";

const HOSTS = 50;
/** Turns each path takes. */
const ROUNDS = 10;

/** A realistic batch: ~60 points (CPU, 8 cores, memory, 3 mounts, 2 disks, 2 interfaces, sensors). */
function points(i: number): Point[] {
  const p: Point[] = [];
  const v = (k: number) => (i * 7 + k * 13) % 100;
  for (const m of ["cpu_percent", "cpu_user", "cpu_system", "cpu_iowait", "cpu_steal"]) {
    p.push({ metric: m, label: "", value: v(p.length) });
  }
  for (let c = 0; c < 8; c++) p.push({ metric: "cpu_core_percent", label: String(c), value: v(c) });
  for (
    const m of [
      "mem_used_bytes",
      "mem_total_bytes",
      "mem_available_bytes",
      "mem_cached_bytes",
      "swap_used_bytes",
      "swap_total_bytes",
      "load1",
      "load5",
      "load15",
      "uptime_s",
    ]
  ) {
    p.push({ metric: m, label: "", value: v(p.length) * 1e6 });
  }
  for (const mount of ["/", "/var", "/home"]) {
    for (const m of ["fs_used_bytes", "fs_size_bytes", "fs_used_percent"]) {
      p.push({ metric: m, label: mount, value: v(p.length) });
    }
  }
  for (const d of ["sda", "nvme0n1"]) {
    for (const m of ["disk_read_bytes_per_s", "disk_write_bytes_per_s"]) {
      p.push({ metric: m, label: d, value: v(p.length) });
    }
  }
  for (const n of ["eth0", "eth1"]) {
    for (const m of ["net_rx_bytes_per_s", "net_tx_bytes_per_s"]) {
      p.push({ metric: m, label: n, value: v(p.length) });
    }
  }
  for (let t = 0; t < 8; t++) {
    p.push({ metric: "temp_celsius", label: `core_${t}`, value: 40 + v(t) / 10 });
  }
  return p;
}

function batches(count: number, start: number): Array<{ host: string; batch: StoredBatch }> {
  const out = [];
  for (let i = 0; i < count; i++) {
    const host = `h${i % HOSTS}`;
    const seq = Math.floor(i / HOSTS) + 1;
    out.push({
      host,
      batch: { seq, ts: start + seq * 30_000, points: points(i), latest: { cpu_percent: i % 100 } },
    });
  }
  return out;
}

interface Result {
  store: string;
  rows: number;
  store_rows_per_s: number;
  raw_rows_per_s: number;
  ratio: number;
  /** Rows the rollup job folds into the tiers per second, after the writes. */
  rollup_rows_per_s: number;
}

async function measure(
  name: string,
  store: Store,
  raw: (rows: Array<[number, number, number]>) => Promise<void>,
  count: number,
): Promise<Result> {
  await addHosts(store, HOSTS);
  const start = Date.UTC(2026, 10, 1);
  // Warm up caches and statements on both paths.
  for (const { host, batch } of batches(HOSTS, start - 86_400_000)) {
    await store.metrics.writeBatch(host, { ...batch, seq: batch.seq + 1e6 });
  }
  const work = batches(count, start);
  const rows = work.reduce((n, w) => n + w.batch.points.length, 0);

  // The same rows the store writes: each host's batch touches that host's ~60 series.
  const rawRows = work.map(({ host, batch }) => {
    const base = Number(host.slice(1)) * 100;
    return batch.points.map((p, k): [number, number, number] => [base + k, batch.ts, p.value]);
  });
  // Both paths take turns, a slice each, starting with either in turn, so the
  // database's size, cache and WAL state weigh on them alike.
  /** Seconds `fn` takes. */
  const seconds = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return (performance.now() - t) / 1000;
  };
  let storeS = 0, rawS = 0;
  const slice = Math.ceil(work.length / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    const [from, to] = [r * slice, Math.min(work.length, (r + 1) * slice)];
    const storePart = async () => {
      for (let i = from; i < to; i++) await store.metrics.writeBatch(work[i].host, work[i].batch);
    };
    const rawPart = async () => {
      for (let i = from; i < to; i++) await raw(rawRows[i]);
    };
    for (const part of r % 2 === 0 ? [storePart, rawPart] : [rawPart, storePart]) {
      const s = await seconds(part);
      if (part === storePart) storeS += s;
      else rawS += s;
    }
  }

  // The history worker's share, off the write path: folding those rows into every tier.
  const rollupS = await seconds(() => rollUpAll(store));
  const result = {
    store: name,
    rows,
    store_rows_per_s: Math.round(rows / storeS),
    raw_rows_per_s: Math.round(rows / rawS),
    ratio: Number(((rows / storeS) / (rows / rawS)).toFixed(2)),
    rollup_rows_per_s: Math.round(rows / rollupS),
  };
  console.log(
    `${name}: store ${result.store_rows_per_s} rows/s, raw insert ${result.raw_rows_per_s} rows/s, ratio ${result.ratio}; rollups folded in at ${result.rollup_rows_per_s} rows/s`,
  );
  return result;
}

/** Runs the bench; returns the headline and the figures. */
export async function run(opts: { full: boolean }): Promise<{ headline: string; data: unknown }> {
  const count = opts.full ? 20_000 : 2_000;
  const results: Result[] = [];

  const dir = await Deno.makeTempDir({ prefix: "sightline-bench-" });
  const sqlite = new SqliteStore(`${dir}/bench.db`);
  await sqlite.migrate();
  sqlite.db.raw.exec(
    "CREATE TABLE raw_samples (series_id INTEGER, ts INTEGER, value REAL, PRIMARY KEY (series_id, ts)) WITHOUT ROWID",
  );
  const stmts = new Map<number, ReturnType<typeof sqlite.db.raw.prepare>>();
  results.push(
    await measure("sqlite", sqlite, (rows) => {
      let s = stmts.get(rows.length);
      if (!s) {
        s = sqlite.db.raw.prepare(
          `INSERT OR IGNORE INTO raw_samples VALUES ${
            Array(rows.length).fill("(?, ?, ?)").join(", ")
          }`,
        );
        stmts.set(rows.length, s);
      }
      sqlite.db.raw.exec("BEGIN IMMEDIATE");
      s.run(...rows.flat());
      sqlite.db.raw.exec("COMMIT");
      return Promise.resolve();
    }, count),
  );
  await sqlite.close();
  await Deno.remove(dir, { recursive: true });

  const server = benchDatabaseServer();
  if (server) {
    const db = await freshDatabase(server);
    const pg = new PostgresStore(db.url, { pool: 4 });
    try {
      await pg.migrate();
      await pg.db
        .sql`CREATE TABLE raw_samples (series_id BIGINT, ts BIGINT, value DOUBLE PRECISION, PRIMARY KEY (series_id, ts))`;
      results.push(
        await measure("postgres", pg, async (rows) => {
          await pg.db.sql.begin((tx) =>
            tx`INSERT INTO raw_samples SELECT * FROM unnest(${rows.map((r) => r[0])}::bigint[],
              ${rows.map((r) => r[1])}::bigint[], ${
              rows.map((r) => r[2])
            }::float8[]) ON CONFLICT DO NOTHING`
          );
        }, count),
      );
    } finally {
      await pg.close();
      await db.drop();
    }
  }

  const [lite, pgr] = results;
  let headline = `ingest: rows_per_s=${lite.store_rows_per_s} ratio=${lite.ratio}`;
  if (pgr) headline += ` pg_rows_per_s=${pgr.store_rows_per_s} pg_ratio=${pgr.ratio}`;
  return { headline, data: { count, results } };
}
