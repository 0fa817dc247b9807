/**
 * bench/logs: log search and log ingest on each store. Fills the store with
 * lines (200,000 quick; 10 million with --full) through `logs.writeBatch`,
 * the ingest path (batch record, lines, the FTS5 / pg_trgm index, day
 * counts, one transaction per batch of 1,000), and reports its lines/s as a
 * ratio to a raw insert of the same rows into a bare table (no index, no
 * batch record) in the same run. Then times searches through `logs.search`
 * (substrings rare and common, with and without host and level filters,
 * newest first, 100 a page) against the same text searches as an unindexed
 * scan of the same table (SQLite NOT INDEXED; PostgreSQL with index scans
 * off), in p95 ms.
 */
import { prng } from "../lib/prng.ts";
import { count, type Db, ddl, rows } from "../hub/store/sql.ts";
import type { Store } from "../hub/store/store.ts";
import type { StoredLogLine } from "../hub/store/logs/types.ts";
import { addHosts, onEachStore, percentile } from "./common.ts";

const HOSTS = 10;
const BATCH = 1000;
const LEVELS = ["info", "info", "info", "info", "warn", "error", "debug", ""];
const WORDS = ["GET", "POST", "PUT", "DELETE"];
const PATHS = ["/api/v1/items", "/api/v1/users", "/login", "/health", "/api/v1/orders"];

/** A day of lines before `end`, deterministic; line i names request `req-<i in hex>`. */
function line(i: number, rnd: () => number, t0: number, spanMs: number): StoredLogLine {
  const status = rnd() < 0.01 ? 503 : rnd() < 0.05 ? 404 : 200;
  const slow = rnd() < 0.02 ? " upstream timeout" : "";
  return {
    ts: t0 + Math.floor((i / 1) * (spanMs / 1e7)) + Math.floor(rnd() * 1000),
    source_id: `src${i % 3}`,
    origin: `/var/log/app/svc${i % 7}.log`,
    level: LEVELS[Math.floor(rnd() * LEVELS.length)],
    message: `${WORDS[i % 4]} ${PATHS[Math.floor(rnd() * PATHS.length)]}/${
      Math.floor(rnd() * 1e6)
    } status=${status} dur=${Math.floor(rnd() * 900)}ms req-${i.toString(16)}${slow}`,
  };
}

interface Query {
  name: string;
  text: string;
  hostIds?: string[];
  levels?: string[];
}

async function rawInsert(db: Db, lines: StoredLogLine[], host: string): Promise<void> {
  await db.tx(function* () {
    for (let i = 0; i < lines.length; i += 200) {
      const chunk = lines.slice(i, i + 200);
      const params: Record<string, string | number> = { host };
      const values = chunk.map((l, j) => {
        const k = String.fromCharCode(97 + (j % 26)) + String.fromCharCode(97 + Math.floor(j / 26));
        params[`t_${k}`] = l.ts;
        params[`s_${k}`] = l.source_id;
        params[`o_${k}`] = l.origin;
        params[`l_${k}`] = l.level;
        params[`m_${k}`] = l.message;
        return `(:host, :t_${k}, :s_${k}, :o_${k}, :l_${k}, :m_${k})`;
      });
      yield* count(
        `INSERT INTO bench_raw_logs (host_id, ts, source_id, origin, level, message)
        VALUES ${values.join(", ")}`,
        params,
      );
    }
  }());
}

async function scan(db: Db, q: Query): Promise<number> {
  const pg = db.dialect === "postgres";
  const start = performance.now();
  await db.tx(function* () {
    if (pg) {
      yield* ddl("SET LOCAL enable_bitmapscan = off");
      yield* ddl("SET LOCAL enable_indexscan = off");
      yield* ddl("SET LOCAL enable_indexonlyscan = off");
    }
    yield* rows(
      `SELECT id, ts, message FROM log_lines ${pg ? "" : "NOT INDEXED"}
      WHERE message ${pg ? "ILIKE" : "LIKE"} :p ORDER BY ts DESC, id DESC LIMIT 100`,
      { p: `%${q.text}%` },
    );
  }());
  return performance.now() - start;
}

async function measure(name: string, store: Store, total: number) {
  const db = (store as unknown as { db: Db }).db;
  await addHosts(store, HOSTS);
  await db.run(function* () {
    yield* ddl(`CREATE TABLE bench_raw_logs (host_id TEXT, ts BIGINT, source_id TEXT,
      origin TEXT, level TEXT, message TEXT)`);
  }());
  const rnd = prng(18);
  const spanMs = 86_400_000;
  const t0 = Date.now() - spanMs;
  // The raw baseline and the ingest path take turns on the same batches, for
  // the first `compared` lines; the rest of the fill is ingest alone.
  const compared = Math.min(total, 200_000);
  let ingestMs = 0;
  let rawMs = 0;
  let seq = 0;
  for (let i = 0; i < total; i += BATCH) {
    const lines = Array.from(
      { length: Math.min(BATCH, total - i) },
      (_, j) => line(i + j, rnd, t0, spanMs),
    );
    const host = `h${(i / BATCH) % HOSTS}`;
    let t = performance.now();
    await store.logs.writeBatch(host, {
      seq: ++seq,
      ts: lines[0].ts,
      lines,
      dropped: 0,
      errors: [],
    }, Date.now());
    const took = performance.now() - t;
    if (i < compared) {
      ingestMs += took;
      t = performance.now();
      await rawInsert(db, lines, host);
      rawMs += performance.now() - t;
    }
    if ((i / BATCH) % 500 === 499) console.error(`${name}: ${i + BATCH} lines stored`);
  }
  const ingestRate = compared / (ingestMs / 1000);
  const rawRate = compared / (rawMs / 1000);
  if (db.dialect === "postgres") {
    await db.run(function* () {
      yield* ddl("ANALYZE log_lines");
    }());
  } else {
    await db.run(function* () {
      yield* ddl("ANALYZE");
    }());
  }

  const queries: Query[] = [
    { name: "rare", text: `req-${(total - 12345).toString(16)} ` },
    { name: "rare-old", text: `req-${(54321).toString(16)} ` },
    { name: "uncommon", text: "status=503" },
    { name: "common", text: "upstream timeout" },
    { name: "host+level", text: "timeout", hostIds: ["h3"], levels: ["error"] },
    { name: "substring", text: "tus=40" },
  ];
  const times: number[] = [];
  const perQuery: Record<string, number> = {};
  for (const q of queries) {
    const own: number[] = [];
    for (let r = 0; r < 10; r++) {
      const t = performance.now();
      await store.logs.search({ text: q.text, hostIds: q.hostIds, levels: q.levels, limit: 100 });
      own.push(performance.now() - t);
    }
    times.push(...own);
    perQuery[q.name] = Math.round(percentile(own, 95) * 10) / 10;
  }
  const scans: number[] = [];
  for (const q of queries.slice(0, 4)) scans.push(await scan(db, q));
  const p95 = percentile(times, 95);
  const scanP95 = percentile(scans, 95);
  const result = {
    store: name,
    lines: total,
    search_p95_ms: Math.round(p95 * 10) / 10,
    scan_p95_ms: Math.round(scanP95),
    scan_over_search: Math.round(scanP95 / p95),
    per_query_p95_ms: perQuery,
    ingest_lines_s: Math.round(ingestRate),
    raw_insert_lines_s: Math.round(rawRate),
    ingest_over_raw: Math.round((ingestRate / rawRate) * 100) / 100,
  };
  console.log(JSON.stringify(result));
  return result;
}

export async function run({ full }: { full: boolean }) {
  const total = full ? 10_000_000 : 200_000;
  const results = await onEachStore((name, store) => measure(name, store, total));
  const headline = `logs: lines=${total} ` +
    results.map((r) =>
      `${r.store}_search_p95_ms=${r.search_p95_ms} ${r.store}_scan_p95_ms=${r.scan_p95_ms} ` +
      `${r.store}_ingest_lines_s=${r.ingest_lines_s} ${r.store}_ingest_over_raw=${r.ingest_over_raw}`
    ).join(" ");
  return { headline, data: results };
}
