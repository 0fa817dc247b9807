/** Finds the forward-only migration files of one dialect under `sql/`. */

/** A migration file: its numeric version, name and SQL. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const SQL_ROOT = new URL("../../sql/", import.meta.url);

/** Lists `sql/<dialect>/NNNN_name.sql` in version order. */
export async function readMigrations(dialect: "sqlite" | "postgres"): Promise<Migration[]> {
  const dir = new URL(`${dialect}/`, SQL_ROOT);
  const out: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const m = /^(\d{4})_([\w-]+)\.sql$/.exec(entry.name);
    if (!entry.isFile || !m) continue;
    out.push({
      version: Number(m[1]),
      name: entry.name,
      sql: await Deno.readTextFile(new URL(entry.name, dir)),
    });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 1; i < out.length; i++) {
    if (out[i].version === out[i - 1].version) {
      throw new Error(`Duplicate migration version: ${out[i - 1].name} and ${out[i].name}`);
    }
  }
  return out;
}
