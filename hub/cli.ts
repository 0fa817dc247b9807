/**
 * The admin CLI (`deno task hub …`, `deno task migrate`): works on the same
 * data dir and database as the hub, with or without the hub running.
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { isDatabaseUnavailable } from "./store/errors.ts";
import { prepareDataDir } from "./data_dir.ts";
import { loadHubConfig } from "./config.ts";
import { openStore } from "./store/open.ts";
import type { PostgresStore } from "./store/postgres/store.ts";
import { copySqliteToPostgres } from "./store/copy.ts";
import type { Store } from "./store/store.ts";
import type { Actor } from "./usecases/actor.ts";
import { UseCaseError } from "./usecases/errors.ts";
import { createHost } from "./usecases/hosts.ts";
import { addUser } from "./usecases/users.ts";
import { createApiKey } from "./usecases/keys.ts";

/** The CLI acts as itself in the audit log. */
const CLI: Actor = { kind: "cli" };

const USAGE = `Usage:
  deno task hub user add NAME [--role admin|viewer]   add a dashboard user (password on stdin)
  deno task hub token create [--name HOST]   make a one-time registration token (24 h)
  deno task hub apikey create NAME           make a REST API key
  deno task migrate                          apply database migrations
  deno task migrate --from-sqlite PATH       copy an embedded install into PostgreSQL (DATABASE_URL)`;

/**
 * Runs `fn` on the hub's store. The CLI works on an existing hub only: run
 * against the wrong data dir it would make a fresh database, print a key
 * that the running hub has never heard of, and say nothing.
 */
async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const config = loadHubConfig();
  const dir = resolve(config.dataDir);
  const sqlite = config.databaseUrl.startsWith("sqlite:");
  if (sqlite && !(await exists(config.databaseUrl.slice("sqlite:".length)))) {
    throw new RangeError(
      `No hub in ${dir}: it has no sightline.db. Run this where the hub runs, or point it at the ` +
        `hub's data dir: SIGHTLINE_DATA_DIR=/path/to/data deno task hub … ` +
        `(a new hub: start it once, or run deno task migrate, to make one there)`,
    );
  }
  await prepareDataDir(config.dataDir);
  const store = openStore(config.databaseUrl, { pool: config.dbPool });
  try {
    if (!sqlite) {
      try {
        await store.hosts.list();
      } catch (err) {
        if (isDatabaseUnavailable(err)) throw err;
        throw new RangeError(
          "No hub in the database DATABASE_URL names (it has no Sightline tables): give the CLI " +
            "the hub's own DATABASE_URL and SIGHTLINE_DATA_DIR",
        );
      }
    }
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** `migrate --from-sqlite PATH`: copies an embedded install into PostgreSQL with a progress bar. */
async function fromSqlite(path: string): Promise<number> {
  const config = loadHubConfig();
  if (config.databaseUrl.startsWith("sqlite:")) {
    throw new RangeError("Set DATABASE_URL=postgres://… to the database to copy into");
  }
  const store = openStore(config.databaseUrl, { pool: 2 }) as PostgresStore;
  const enc = new TextEncoder();
  try {
    await store.migrate();
    const counts = await copySqliteToPostgres(path, store, ({ table, done, total }) => {
      const width = 30;
      const filled = total ? Math.round((done / total) * width) : width;
      const bar = "#".repeat(filled) + "-".repeat(width - filled);
      Deno.stderr.writeSync(enc.encode(`\r${table.padEnd(20)} [${bar}] ${done}/${total}   `));
      if (done === total) Deno.stderr.writeSync(enc.encode("\n"));
    });
    console.log(
      `Copied ${counts.hosts} hosts, ${counts.users} users, ${counts.batches} batches and ${counts.samples} samples into PostgreSQL.`,
    );
    console.log("Start the hub with this DATABASE_URL and the same data dir; agents keep working.");
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * Runs a use case; a refusal becomes the CLI's error, naming the argument
 * it is about as the command spells it (`Invalid --name: …`).
 */
async function refused<T>(args: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof UseCaseError)) throw err;
    const arg = err.field ? args[err.field] : undefined;
    throw new RangeError(arg ? `Invalid ${arg}: ${err.message}` : err.message);
  }
}

/** Runs one CLI command; returns the process exit code. */
export async function run(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      role: { type: "string", default: "admin" },
      "from-sqlite": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [group, verb, arg] = positionals;
  if (values.help || !group) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (group === "migrate" && values["from-sqlite"]) {
    return await fromSqlite(values["from-sqlite"]);
  }
  if (group === "migrate") {
    const config = loadHubConfig();
    await prepareDataDir(config.dataDir);
    const store = openStore(config.databaseUrl, { pool: config.dbPool });
    try {
      const applied = await store.migrate();
      console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date");
    } finally {
      await store.close();
    }
    return 0;
  }
  if (group === "token" && verb === "create") {
    const name = values.name;
    const { host, token } = await withStore((store) =>
      refused({ name: "--name" }, () => createHost({ store }, CLI, { name }))
    );
    const named = name?.trim() ? ` for ${host.name}` : "";
    console.log(`Registration token${named}, valid 24 h, usable once:`);
    console.log(token);
    return 0;
  }
  if (group === "user" && verb === "add") {
    const password = (await new Response(Deno.stdin.readable).text()).split("\n")[0].replace(
      /\r$/,
      "",
    );
    const user = await withStore((store) =>
      refused(
        { name: "NAME", role: "--role", password: "password (give it on stdin)" },
        () => addUser({ store }, CLI, { name: arg ?? "", password, role: values.role }),
      )
    );
    console.log(`Added ${user.role} ${user.name}`);
    return 0;
  }
  if (group === "apikey" && verb === "create") {
    if (!arg?.trim()) throw new RangeError("Missing NAME: deno task hub apikey create NAME");
    const key = await withStore((store) =>
      refused({ name: "NAME" }, () => createApiKey({ store }, CLI, { name: arg }))
    );
    console.log(`API key "${key.name}" (shown once; send as Authorization: Bearer <key>):`);
    console.log(key.key);
    return 0;
  }
  console.error(`Unknown command: ${positionals.join(" ")}\n${USAGE}`);
  return 2;
}

if (import.meta.main) {
  try {
    Deno.exit(await run(Deno.args));
  } catch (err) {
    console.error(`Error: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
