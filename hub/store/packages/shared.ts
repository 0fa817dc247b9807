/**
 * Packages on either dialect. A batch is one transaction: its row in
 * `batches` (so a replay writes nothing), then the host's inventory read
 * whole, the batch applied to it in memory, and only the difference written
 * back, in bulk statements over a JSON array of rows (a full inventory is
 * 2,000 rows: one statement each would be 2,000 round trips on PostgreSQL).
 * The difference is also the change log; the first inventory of a host is
 * not a change, so it logs nothing.
 */
import { count, type Db, type Dialect, first, Json, type Plan, type Row, rows } from "../sql.ts";
import { json } from "../rows.ts";
import { compareVersions } from "../../../lib/packages/versions.ts";
import type {
  ChangeEntry,
  InstalledPackage,
  PackageBaseline,
  PackageChange,
  PackageHit,
  PackageStore,
  StoredPackageBatch,
  WriteOutcome,
} from "./types.ts";

/** Spellings that differ between the dialects. */
function words(d: Dialect) {
  return d === "sqlite"
    ? {
      each: "json_each(:rows)",
      bool: (e: string) => e,
      contains: "instr(lower(n.name), :q) > 0",
      // CROSS JOIN: SQLite's loops in the order written, names outermost.
      byName: (and: string) =>
        `json_each(:names) n CROSS JOIN packages p ON p.name = n.value ${and}`,
      yes: "1",
    }
    : {
      each: "jsonb_array_elements(:rows) AS j(value)",
      bool: (e: string) => `CAST(${e} AS BOOLEAN)`,
      contains: "strpos(lower(n.name), :q) > 0",
      // LATERAL with OFFSET 0 (which keeps the planner from flattening it into
      // a hash join over the whole table): one index lookup per name, whatever
      // the statistics say.
      byName: (and: string) =>
        `jsonb_array_elements_text(:names) AS n(name) CROSS JOIN LATERAL
          (SELECT * FROM packages p WHERE p.name = n.name ${and} OFFSET 0) p`,
      yes: "true",
    };
}

const keyOf = (p: { manager: string; name: string; arch: string }) =>
  `${p.manager}\u0000${p.name}\u0000${p.arch}`;

function toPackage(r: Row): InstalledPackage {
  return {
    manager: String(r.manager),
    name: String(r.name),
    arch: String(r.arch),
    version: String(r.version),
    update_version: String(r.update_version),
    security: r.security === true || Number(r.security) === 1,
  };
}

function toHit(r: Row): PackageHit {
  return {
    host: { id: String(r.host_id), name: String(r.host_name) },
    manager: String(r.manager),
    name: String(r.name),
    version: String(r.version),
    update_version: String(r.update_version),
  };
}

/** What moved between two inventories, and the rows to write for it. */
function diff(
  cur: Map<string, InstalledPackage>,
  next: Map<string, InstalledPackage>,
): {
  put: InstalledPackage[];
  gone: InstalledPackage[];
  changes: PackageChange[];
  fresh: string[];
} {
  const put: InstalledPackage[] = [], gone: InstalledPackage[] = [];
  const changes: PackageChange[] = [], fresh: string[] = [];
  for (const [k, p] of next) {
    const was = cur.get(k);
    if (!was) {
      put.push(p);
      fresh.push(p.name);
      changes.push({ kind: "added", ...keyFields(p), from: null, to: p.version });
    } else if (was.version !== p.version) {
      put.push(p);
      const c = compareVersions(p.manager, was.version, p.version);
      changes.push({
        kind: c > 0 ? "downgraded" : "upgraded",
        ...keyFields(p),
        from: was.version,
        to: p.version,
      });
    } else if (was.update_version !== p.update_version || was.security !== p.security) {
      put.push(p);
    }
  }
  for (const [k, p] of cur) {
    if (next.has(k)) continue;
    gone.push(p);
    changes.push({ kind: "removed", ...keyFields(p), from: p.version, to: null });
  }
  return { put, gone, changes, fresh };
}

const keyFields = (p: InstalledPackage) => ({ manager: p.manager, name: p.name, arch: p.arch });

function* writePlan(
  d: Dialect,
  hostId: string,
  b: StoredPackageBatch,
  receivedAt: number,
): Plan<WriteOutcome> {
  const w = words(d);
  const host = hostId;
  // rolled_up: the rollup job has nothing to take from a batch without samples.
  const inserted = yield* count(
    `INSERT INTO batches (host_id, seq, ts, received_at, rolled_up, kind)
    VALUES (:host, :seq, :ts, :received, ${w.yes}, 'packages')
    ON CONFLICT (host_id, seq) DO NOTHING`,
    { host, seq: b.seq, ts: b.ts, received: receivedAt },
  );
  if (!inserted) return { status: "replay" };
  const base = yield* first("SELECT baseline_seq FROM package_hosts WHERE host_id = :host", {
    host,
  });
  const held = base ? Number(base.baseline_seq) : null;
  if (!b.full && held !== b.baselineSeq) return { status: "no_baseline", held };

  const cur = new Map<string, InstalledPackage>();
  for (
    const r of yield* rows(
      `SELECT manager, name, arch, version, update_version, security FROM packages
      WHERE host_id = :host`,
      { host },
    )
  ) {
    const p = toPackage(r);
    cur.set(keyOf(p), p);
  }
  let next: Map<string, InstalledPackage>;
  if (b.full) {
    // A manager that could not be read keeps what the hub held of it.
    const unread = new Set(b.errors.map((e) => e.manager));
    next = new Map([...cur].filter(([, p]) => unread.has(p.manager)));
  } else {
    next = new Map(cur);
    for (const k of b.removed) next.delete(keyOf(k));
  }
  for (const p of b.upsert) next.set(keyOf(p), p);
  const { put, gone, changes, fresh } = diff(cur, next);

  const key = (rows: InstalledPackage[]) =>
    new Json(rows.map((p) => ({ manager: p.manager, name: p.name, arch: p.arch })));
  if (gone.length) {
    yield* count(
      `DELETE FROM packages WHERE host_id = :host AND (manager, name, arch) IN
        (SELECT value->>'manager', value->>'name', value->>'arch' FROM ${w.each})`,
      { host, rows: key(gone) },
    );
  }
  if (put.length) {
    yield* count(
      `INSERT INTO packages (host_id, manager, name, arch, version, update_version, security)
      SELECT :host, value->>'manager', value->>'name', value->>'arch', value->>'version',
        value->>'update_version', ${w.bool("value->>'security'")} FROM ${w.each}
      WHERE true ON CONFLICT (host_id, manager, name, arch) DO UPDATE SET
        version = excluded.version, update_version = excluded.update_version,
        security = excluded.security`,
      { host, rows: new Json(put) },
    );
  }
  if (fresh.length) {
    yield* count(
      `INSERT INTO package_names (name) SELECT DISTINCT value->>'name' FROM ${w.each}
      WHERE true ON CONFLICT (name) DO NOTHING`,
      { rows: new Json([...new Set(fresh)].map((name) => ({ name }))) },
    );
  }
  // A host's first inventory is where its log starts, not a change; nor is any part of an
  // inventory cut into several batches (a resync's changes against what was held before
  // are not told: the hub lost track of that host's deltas, which is why it asked).
  const logged = held === null || b.partOfFull ? [] : changes;
  if (logged.length) {
    yield* count(
      `INSERT INTO package_changes
        (host_id, seq, ts, kind, manager, name, arch, from_version, to_version)
      SELECT :host, CAST(:seq AS BIGINT), CAST(:ts AS BIGINT), value->>'kind', value->>'manager', value->>'name',
        value->>'arch', value->>'from', value->>'to' FROM ${w.each}`,
      { host, seq: b.seq, ts: b.ts, rows: new Json(logged) },
    );
  }
  yield* count(
    `INSERT INTO package_hosts (host_id, baseline_seq, last_seq, updated_at, managers, errors)
    VALUES (:host, :baseline, :seq, :ts, :managers, :errors)
    ON CONFLICT (host_id) DO UPDATE SET baseline_seq = excluded.baseline_seq,
      last_seq = excluded.last_seq, updated_at = excluded.updated_at,
      managers = excluded.managers, errors = excluded.errors`,
    {
      host,
      baseline: b.full ? b.seq : b.baselineSeq,
      seq: b.seq,
      ts: b.ts,
      managers: new Json(b.managers),
      errors: new Json(b.errors),
    },
  );
  // The agent's count disagreeing with what the hub now holds means the two
  // drifted apart somewhere: the batch stands, and a full inventory mends it.
  return { status: "applied", changes: logged.length, resync: next.size !== b.total };
}

/** One timeline line for a batch's changes. */
export function summarize(changes: PackageChange[]): string {
  if (changes.length === 1) {
    const c = changes[0];
    if (c.kind === "added") return `${c.name} ${c.to} added`;
    if (c.kind === "removed") return `${c.name} ${c.from} removed`;
    return `${c.name} ${c.from} → ${c.to}`;
  }
  const by = new Map<string, number>();
  for (const c of changes) by.set(c.kind, (by.get(c.kind) ?? 0) + 1);
  const parts = ["upgraded", "added", "removed", "downgraded"].filter((k) => by.has(k))
    .map((k) => `${by.get(k)} ${k}`);
  return `${changes.length} packages changed: ${parts.join(", ")}`;
}

/** {@link PackageStore} on one database. */
export class SqlPackageStore implements PackageStore {
  constructor(private readonly db: Db) {}

  writeBatch(hostId: string, batch: StoredPackageBatch, receivedAt: number): Promise<WriteOutcome> {
    return this.db.tx(writePlan(this.db.dialect, hostId, batch, receivedAt));
  }

  list(hostId: string): Promise<InstalledPackage[]> {
    return this.db.run(function* () {
      return (yield* rows(
        `SELECT manager, name, arch, version, update_version, security FROM packages
        WHERE host_id = :host ORDER BY manager, name, arch`,
        { host: hostId },
      )).map(toPackage);
    }());
  }

  baseline(hostId: string): Promise<PackageBaseline | null> {
    return this.db.run(function* () {
      const r = yield* first("SELECT * FROM package_hosts WHERE host_id = :host", {
        host: hostId,
      });
      return r
        ? {
          baseline_seq: Number(r.baseline_seq),
          last_seq: Number(r.last_seq),
          updated_at: Number(r.updated_at),
          managers: json<string[]>(r.managers),
          errors: json<PackageBaseline["errors"]>(r.errors),
        }
        : null;
    }());
  }

  search(q: { name: string; manager?: string; limit: number }): Promise<PackageHit[]> {
    const w = words(this.db.dialect);
    // Two steps: the few distinct names that match, then the rows of exactly
    // those, looked up name by name in packages_by_name. A plain join leaves
    // the planner a guess (of the substring's selectivity, or with a generic
    // plan of the list's length), and PostgreSQL guessed a scan of the
    // inventory whole: 20 times slower at 2 M rows.
    return this.db.run(function* () {
      const names = (yield* rows(`SELECT n.name FROM package_names n WHERE ${w.contains}`, {
        q: q.name.toLowerCase(),
      })).map((r) => String(r.name));
      if (!names.length) return [];
      return (yield* rows(
        `SELECT p.host_id, h.name AS host_name, p.manager, p.name, p.version, p.update_version
        FROM ${w.byName(q.manager ? "AND p.manager = :manager" : "")}
        JOIN hosts h ON h.id = p.host_id LIMIT :limit`,
        q.manager
          ? { names: new Json(names), manager: q.manager, limit: q.limit }
          : { names: new Json(names), limit: q.limit },
      )).map(toHit);
    }());
  }

  pending(limit: number): Promise<PackageHit[]> {
    return this.db.run(function* () {
      return (yield* rows(
        `SELECT p.host_id, h.name AS host_name, p.manager, p.name, p.version, p.update_version
        FROM packages p JOIN hosts h ON h.id = p.host_id
        WHERE p.update_version <> '' LIMIT :limit`,
        { limit },
      )).map(toHit);
    }());
  }

  changes(hostId: string, from: number, to: number, limit?: number): Promise<ChangeEntry[]> {
    return this.db.run(function* () {
      const out: ChangeEntry[] = [];
      let seq: number | null = null;
      for (
        const r of yield* rows(
          `SELECT seq, ts, kind, manager, name, arch, from_version, to_version
          FROM package_changes WHERE host_id = :host AND ts >= :from AND ts < :to
          ORDER BY ts, id`,
          { host: hostId, from, to },
        )
      ) {
        const change: PackageChange = {
          kind: String(r.kind) as PackageChange["kind"],
          manager: String(r.manager),
          name: String(r.name),
          arch: String(r.arch),
          from: r.from_version === null ? null : String(r.from_version),
          to: r.to_version === null ? null : String(r.to_version),
        };
        if (seq === Number(r.seq)) out[out.length - 1].details.packages.push(change);
        else {
          out.push({
            ts: Number(r.ts),
            kind: "package",
            summary: "",
            details: { packages: [change] },
          });
        }
        seq = Number(r.seq);
      }
      const kept = limit !== undefined && out.length > limit ? out.slice(out.length - limit) : out;
      for (const e of kept) e.summary = summarize(e.details.packages);
      return kept;
    }());
  }

  pruneChanges(before: number, limit: number): Promise<number> {
    return this.db.tx(function* () {
      // Host by host, so the (host_id, ts) index finds the old rows on both
      // stores without an index on ts alone (every row has its host: a
      // deleted host's changes go with it).
      return yield* count(
        `DELETE FROM package_changes WHERE id IN (
          SELECT id FROM package_changes
          WHERE host_id IN (SELECT id FROM hosts) AND ts < :before LIMIT :limit)`,
        { before, limit },
      );
    }());
  }
}
