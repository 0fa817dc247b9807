/** What several benches share: percentiles, a process's footprint, hosts to write to. */
import type { Store } from "../hub/store/store.ts";
import { SqliteStore } from "../hub/store/sqlite/store.ts";
import { PostgresStore } from "../hub/store/postgres/store.ts";
import { freshDatabase } from "../tests/pg.ts";

/** The p-th percentile of `xs` (NaN when empty); `xs` is left as it was. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Clock ticks per second of /proc/PID/stat times. */
const CLK_TCK = 100;

/**
 * Resident memory (bytes: all of it, and the private part, not mapped from a
 * file such as the executable) and CPU time so far (ms) of a process, from
 * /proc; zeros once it is gone.
 */
export function procUsage(pid: number): { rss: number; anon: number; cpuMs: number } {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = (field: string) =>
      Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
    const [rss, anon] = [kb("VmRSS"), kb("RssAnon")];
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // utime and stime are fields 14 and 15; after "pid (comm) " they sit at 11 and 12.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { rss, anon, cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK };
  } catch {
    return { rss: 0, anon: 0, cpuMs: 0 };
  }
}

/** Adds hosts `h0`…`h{n-1}` with tokens `t0`…, registered when `register` is set. */
export async function addHosts(store: Store, n: number, register = false): Promise<void> {
  for (let h = 0; h < n; h++) {
    await store.hosts.create({
      hostId: `h${h}`,
      name: `host-${h}`,
      tokenHash: `t${h}`,
      createdAt: 0,
      expiresAt: 1e15,
    });
    if (register) await store.hosts.register(`t${h}`, { fallbackName: "x", now: 1 });
  }
}

/** The PostgreSQL server benches make their databases on, or null to measure SQLite only. */
export function benchDatabaseServer(): string | null {
  return Deno.env.get("SIGHTLINE_BENCH_DATABASE_URL") || Deno.env.get("DATABASE_URL") || null;
}

/**
 * Runs `measure` on a fresh, migrated SQLite store in a temp dir, then on a
 * fresh PostgreSQL database when {@link benchDatabaseServer} names one; each
 * is closed and removed after. Returns what each run returned, SQLite first.
 */
export async function onEachStore<T>(
  measure: (name: "sqlite" | "postgres", store: Store) => Promise<T>,
): Promise<T[]> {
  const out: T[] = [];
  const dir = await Deno.makeTempDir({ prefix: "sightline-bench-" });
  const sqlite = new SqliteStore(`${dir}/bench.db`);
  try {
    await sqlite.migrate();
    out.push(await measure("sqlite", sqlite));
  } finally {
    await sqlite.close();
    await Deno.remove(dir, { recursive: true });
  }
  const server = benchDatabaseServer();
  if (!server) return out;
  const db = await freshDatabase(server);
  const pg = new PostgresStore(db.url, { pool: 4 });
  try {
    await pg.migrate();
    out.push(await measure("postgres", pg));
  } finally {
    await pg.close();
    await db.drop();
  }
  return out;
}
