/**
 * SQLite files migrated before both dialects shared one numbering: their
 * nonces were 0003 and rollups 0004, where PostgreSQL has 0003_timescaledb
 * first. Their schema_migrations rows are renumbered (by name) to today's
 * numbers, in one transaction, before migrating; the no-op 0003 then applies.
 * Nothing is applied twice and nothing is skipped.
 */
import type { DatabaseSync } from "node:sqlite";

/** Old number and name → today's, highest first so no number is taken twice on the way. */
const RENUMBERED: ReadonlyArray<{ from: [number, string]; to: [number, string] }> = [
  { from: [4, "0004_rollups.sql"], to: [5, "0005_rollups.sql"] },
  { from: [3, "0003_nonces.sql"], to: [4, "0004_nonces.sql"] },
];

/** Renumbers an old file's schema_migrations, if it is one; returns the names it moved. */
export function renumberOldMigrations(db: DatabaseSync): string[] {
  const find = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ? AND name = ?");
  const old = RENUMBERED.filter((r) => find.get(...r.from) !== undefined);
  if (old.length === 0) return [];
  const move = db.prepare(
    "UPDATE schema_migrations SET version = ?, name = ? WHERE version = ? AND name = ?",
  );
  db.exec("BEGIN IMMEDIATE");
  try {
    for (const r of old) move.run(...r.to, ...r.from);
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
  return old.map((r) => r.from[1]);
}
