/**
 * bench/history: how fast a chart opens over a year of history. Fills each
 * store with one year of 30 s data for 100 hosts × 2 series (1,000 × 4 with
 * --full), laid
 * out as a year of ingest under the default retention leaves it (raw samples
 * for 7 days, 1 min buckets for 30, 10 min for 180, 1 h and 1 d for the whole
 * year), written straight into the tables with plausible values. Then times
 * the metrics API (in process: auth, tier plan, query, JSON) for ranges of
 * 1 h … 1 y, and, for the ranges raw retention covers, the tier's query
 * against scanning raw samples for the same buckets in the same run.
 */
import { SqliteStore } from "../hub/store/sqlite/sqlite_store.ts";
import { PostgresStore } from "../hub/store/postgres/postgres_store.ts";
import type { Store } from "../hub/store/store.ts";
import { DEFAULT_RETENTION, planRange, ROLLUPS, type TierName } from "../hub/store/tiers.ts";
import { createHubApp } from "../routes/mod.tsx";
import { liveParts } from "../hub/live/events.ts";
import { hashSecret } from "../hub/auth/secrets.ts";
import { freshDatabase } from "../tests/pg.ts";
import { addHosts, benchDatabaseServer, percentile } from "./common.ts";

const DAY = 86_400_000;
const STEP = 30_000;
/**
 * The series each host has here (a real host has ~60; query times hardly
 * depend on it, disk use does: see bytes per series-year). Quick runs use
 * the first two.
 */
const ALL_SERIES: Array<[string, string]> = [
  ["cpu_percent", ""],
  ["mem_used_bytes", ""],
  ["load1", ""],
  ["net_rx_bytes_per_s", "eth0"],
];
let SERIES = ALL_SERIES;
const RANGES: Array<[string, number]> = [
  ["1h", 3_600_000],
  ["24h", DAY],
  ["7d", 7 * DAY],
  ["30d", 30 * DAY],
  ["1y", 365 * DAY],
];
const KEY = "sl_key_" + "b".repeat(32);

/** How long each tier reaches back when a year of ingest has run. */
function spanOf(tier: TierName): number {
  const days = DEFAULT_RETENTION[tier];
  return Math.min(days ?? 365, 365) * DAY;
}

/** Time rows for `tier` cover: [from, to) aligned to its width. */
function window(tier: TierName, now: number): { from: number; to: number; width: number } {
  const width = tier === "raw" ? STEP : ROLLUPS.find((t) => t.name === tier)!.ms;
  const to = now - (now % width);
  return { from: to - Math.floor(spanOf(tier) / width) * width, to, width };
}

/**
 * A plausible value at `t` for series `id` (SQL): a daily swing plus a slow
 * drift, the same expression in both dialects.
 */
const VALUE = (t: string, id: string) =>
  `(50 + 30 * ((((${t} / 3600000) + ${id} * 7) % 24) - 12) / 12.0 + ((${t} / 30000 + ${id}) % 17))`;

/** Registered hosts h0…, and the API key the timed requests use. */
async function addHostsAndKey(store: Store, hosts: number) {
  await addHosts(store, hosts, true);
  await store.createApiKey({ id: "k", name: "bench", hash: hashSecret(KEY), createdAt: 0 });
}

/** Fills the SQLite store; returns its size on disk in bytes. */
async function fillSqlite(store: SqliteStore, hosts: number, now: number): Promise<number> {
  const db = store.db;
  await addHostsAndKey(store, hosts);
  const ins = db.prepare("INSERT INTO series (host_id, metric, label) VALUES (?, ?, ?)");
  db.exec("BEGIN");
  for (let h = 0; h < hosts; h++) for (const [m, l] of SERIES) ins.run(`h${h}`, m, l);
  db.exec("COMMIT");
  const series = db.prepare("SELECT id FROM series ORDER BY id").all().map((r) => Number(r.id));
  for (const tier of ["raw", ...ROLLUPS.map((t) => t.name)] as TierName[]) {
    const { from, to, width } = window(tier, now);
    const v = VALUE("t.x", "s.id");
    const sql = tier === "raw"
      ? `INSERT INTO samples (series_id, ts, value) SELECT s.id, t.x, ${v}`
      : `INSERT INTO ${ROLLUPS.find((r) => r.name === tier)!.table}
          (series_id, bucket, n, sum, min, max, last, last_ts)
         SELECT s.id, t.x, ${width / STEP}, ${width / STEP} * ${v}, ${v} - 10, ${v} + 10, ${v},
           t.x + ${width - STEP}`;
    // One series at a time, in key order: the fastest way into a B-tree.
    const stmt = db.prepare(`WITH RECURSIVE t(x) AS (SELECT ? UNION ALL SELECT x + ? FROM t
      WHERE x + ? < ?) ${sql} FROM (SELECT ? AS id) s CROSS JOIN t`);
    for (let i = 0; i < series.length; i += 50) {
      db.exec("BEGIN");
      for (const id of series.slice(i, i + 50)) stmt.run(from, width, width, to, id);
      db.exec("COMMIT");
    }
  }
  db.exec("ANALYZE");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return Number(db.prepare("PRAGMA page_count").get()!.page_count) *
    Number(db.prepare("PRAGMA page_size").get()!.page_size);
}

/** Fills the PostgreSQL store; returns the database's size in bytes. */
async function fillPostgres(store: PostgresStore, hosts: number, now: number): Promise<number> {
  const sql = store.sql;
  await addHostsAndKey(store, hosts);
  await sql`INSERT INTO series (host_id, metric, label)
    SELECT 'h' || h, m, l FROM generate_series(0, ${hosts - 1}) h,
      unnest(${SERIES.map((s) => s[0])}::text[], ${SERIES.map((s) => s[1])}::text[]) AS x(m, l)`;
  for (const [table, tier] of [["samples", "raw"], ...ROLLUPS.map((t) => [t.table, t.name])]) {
    const { from, to } = window(tier as TierName, now);
    await store.ensurePartitions(from, to, table);
  }
  const ids = (await sql`SELECT id FROM series ORDER BY id`).map((r) => Number(r.id));
  for (const tier of ["raw", ...ROLLUPS.map((t) => t.name)] as TierName[]) {
    const { from, to, width } = window(tier, now);
    const v = VALUE("t", "s.id");
    const body = tier === "raw"
      ? `INSERT INTO samples (series_id, ts, value) SELECT s.id, t, ${v}`
      : `INSERT INTO ${ROLLUPS.find((r) => r.name === tier)!.table}
          (series_id, bucket, n, sum, min, max, last, last_ts)
         SELECT s.id, t, ${width / STEP}, ${width / STEP} * ${v}, ${v} - 10, ${v} + 10, ${v},
           t + ${width - STEP}`;
    // Slices of series on two connections: both cores work.
    const slices: number[][] = [];
    for (let i = 0; i < ids.length; i += 20) slices.push(ids.slice(i, i + 20));
    const next = async () => {
      for (let s = slices.shift(); s; s = slices.shift()) {
        await sql.unsafe(
          `${body} FROM unnest($1::bigint[]) AS s(id),
            generate_series($2::bigint, $3::bigint - 1, $4::bigint) AS t`,
          [s, from, to, width],
        );
      }
    };
    await Promise.all([next(), next()]);
  }
  await sql`ANALYZE`;
  const [{ size }] = await sql`SELECT pg_database_size(current_database()) AS size`;
  return Number(size);
}

/** "1,234 MiB: 12.3 MiB a host-year, 6.1 MiB a series-year". */
function sizes(bytes: number, hosts: number): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  return `${mib(bytes)} on disk: ${mib(bytes / hosts)} a host-year, ${
    mib(bytes / hosts / SERIES.length)
  } a series-year`;
}

const ms = (x: number) => Number(x.toFixed(2));

interface RangeFigures {
  range: string;
  tier: string;
  points: number;
  p50_ms: number;
  p95_ms: number;
  /** Median store query on the chosen tier vs scanning raw samples, same buckets. */
  tier_query_ms?: number;
  raw_query_ms?: number;
  raw_ratio?: number;
}

/** Times every range on a filled store. */
async function timeRanges(
  name: string,
  store: Store,
  hosts: number,
  now: number,
  rounds: number,
): Promise<RangeFigures[]> {
  const app = createHubApp({ store, ...liveParts() });
  const headers = { authorization: `Bearer ${KEY}` };
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
  const out: RangeFigures[] = [];
  for (const [range, span] of RANGES) {
    const times: number[] = [];
    let tier = "";
    let points = 0;
    for (let i = -3; i < rounds; i++) {
      const [metric, label] = SERIES[rand(SERIES.length)];
      const q = new URLSearchParams({
        metric,
        label,
        from: new Date(now - span).toISOString(),
        to: new Date(now).toISOString(),
      });
      const t = performance.now();
      const res = await app.request(`/api/v1/hosts/h${rand(hosts)}/metrics?${q}`, { headers });
      const body = await res.json();
      if (i >= 0) times.push(performance.now() - t); // the first few warm up
      if (res.status !== 200) throw new Error(`${range}: ${res.status} ${JSON.stringify(body)}`);
      tier = body.tier;
      points = body.points.filter((p: [number, number | null]) => p[1] !== null).length;
    }
    const f: RangeFigures = {
      range,
      tier,
      points,
      p50_ms: ms(percentile(times, 50)),
      p95_ms: ms(percentile(times, 95)),
    };
    if (span <= DEFAULT_RETENTION.raw! * DAY && tier !== "raw") {
      // The same buckets from raw samples: what a store without rollups reads.
      const plan = planRange(now - span, now, STEP, DEFAULT_RETENTION, now);
      const timed = async (t: TierName) => {
        const xs: number[] = [];
        for (let i = 0; i < Math.max(5, rounds / 4); i++) {
          const [metric, label] = SERIES[rand(SERIES.length)];
          const start = performance.now();
          await store.queryRange({
            hostIds: [`h${rand(hosts)}`],
            metric,
            label,
            tier: t,
            from: now - span - ((now - span) % plan.stepMs),
            to: now,
            stepMs: plan.stepMs,
          });
          xs.push(performance.now() - start);
        }
        return percentile(xs, 50);
      };
      f.tier_query_ms = ms(await timed(plan.tier));
      f.raw_query_ms = ms(await timed("raw"));
      f.raw_ratio = Number((f.raw_query_ms / f.tier_query_ms).toFixed(1));
    }
    console.log(
      `${name} ${range.padStart(3)}: ${f.tier.padEnd(3)} ${
        String(f.points).padStart(4)
      } points, p50 ${f.p50_ms} ms, p95 ${f.p95_ms} ms` +
        (f.raw_ratio
          ? `; raw scan ${f.raw_query_ms} ms vs ${f.tier_query_ms} ms (${f.raw_ratio}×)`
          : ""),
    );
    out.push(f);
  }
  return out;
}

interface StoreFigures {
  store: string;
  fill_s: number;
  bytes_per_host_year: number;
  bytes_per_series_year: number;
  ranges: RangeFigures[];
}

/** Runs the bench; returns the headline and the figures. */
export async function run(opts: { full: boolean }): Promise<{ headline: string; data: unknown }> {
  const hosts = opts.full ? 1000 : 100;
  SERIES = opts.full ? ALL_SERIES : ALL_SERIES.slice(0, 2);
  const rounds = opts.full ? 200 : 60;
  const now = Date.now();
  const results: StoreFigures[] = [];
  console.log(
    `history: ${hosts} hosts × ${SERIES.length} series, a year of 30 s data under default retention`,
  );

  const dir = await Deno.makeTempDir({ prefix: "sightline-bench-" });
  try {
    const sqlite = new SqliteStore(`${dir}/bench.db`);
    await sqlite.migrate();
    let t = performance.now();
    const bytes = await fillSqlite(sqlite, hosts, now);
    const fill = (performance.now() - t) / 1000;
    console.log(`sqlite: filled in ${fill.toFixed(0)} s, ${sizes(bytes, hosts)}`);
    results.push({
      store: "sqlite",
      fill_s: Math.round(fill),
      bytes_per_host_year: Math.round(bytes / hosts),
      bytes_per_series_year: Math.round(bytes / hosts / SERIES.length),
      ranges: await timeRanges("sqlite", sqlite, hosts, now, rounds),
    });
    await sqlite.close();

    const server = benchDatabaseServer();
    if (server) {
      const db = await freshDatabase(server);
      const pg = new PostgresStore(db.url, { pool: 4 });
      try {
        await pg.migrate();
        t = performance.now();
        const bytes = await fillPostgres(pg, hosts, now);
        const fill = (performance.now() - t) / 1000;
        console.log(
          `postgres: filled in ${fill.toFixed(0)} s, ${sizes(bytes, hosts)}`,
        );
        results.push({
          store: "postgres",
          fill_s: Math.round(fill),
          bytes_per_host_year: Math.round(bytes / hosts),
          bytes_per_series_year: Math.round(bytes / hosts / SERIES.length),
          ranges: await timeRanges("postgres", pg, hosts, now, rounds),
        });
      } finally {
        await pg.close();
        await db.drop();
      }
    } else {
      console.log("postgres: skipped (set DATABASE_URL or SIGHTLINE_BENCH_DATABASE_URL)");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }

  const figures = (r: StoreFigures, prefix: string) => {
    const year = r.ranges.find((x) => x.range === "1y")!;
    const week = r.ranges.find((x) => x.range === "7d")!;
    return `${prefix}p95_1y_ms=${year.p95_ms} ${prefix}p50_1y_ms=${year.p50_ms} ` +
      `${prefix}raw_ratio_7d=${week.raw_ratio} ${prefix}bytes_per_host_year=${r.bytes_per_host_year}`;
  };
  const [lite, pgr] = results;
  let headline = `history: hosts=${hosts} series=${SERIES.length} ${figures(lite, "")}`;
  if (pgr) headline += ` ${figures(pgr, "pg_")}`;
  return { headline, data: { hosts, series_per_host: SERIES.length, rounds, results } };
}
