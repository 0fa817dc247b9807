/**
 * A fresh, empty PostgreSQL database per test, on the server that
 * DATABASE_URL (or SIGHTLINE_TEST_DATABASE_URL) points at; dropped after.
 */
import postgres from "postgres";

/** The server tests may create databases on, or null to test SQLite only. */
export function testDatabaseServer(): string | null {
  return Deno.env.get("SIGHTLINE_TEST_DATABASE_URL") || Deno.env.get("DATABASE_URL") || null;
}

/** Creates an empty database; `drop()` removes it (ending its connections). */
export async function freshDatabase(
  serverUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sightline_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
