/**
 * The admin CLI (`deno task hub …`, `deno task migrate`): works on the same
 * data dir and database as the hub, with or without the hub running.
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { isDatabaseUnavailable } from "./store/errors.ts";
import { prepareDataDir } from "./data_dir.ts";
import { checkName, lookalikeOf } from "../lib/names.ts";
import { loadHubConfig } from "./config.ts";
import { openStore } from "./store/open.ts";
import type { PostgresStore } from "./store/postgres/store.ts";
import { copySqliteToPostgres } from "./store/copy.ts";
import type { Store } from "./store/store.ts";
import { UNNAMED_HOST } from "./store/hosts/types.ts";
import { hashSecret, newApiKey, newRegistrationToken, TOKEN_TTL_MS } from "./auth/secrets.ts";
import { hashPassword, passwordProblem } from "./auth/passwords.ts";

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
    let name: string | null = null;
    if (values.name?.trim()) {
      const check = checkName("host", values.name);
      if (!check.ok) throw new RangeError(`Invalid --name: ${check.problem}`);
      name = check.name;
    }
    const token = newRegistrationToken();
    const now = Date.now();
    await withStore(async (s) => {
      const hostId = crypto.randomUUID();
      // As the dashboard's "Add host" is audited; the token itself never is.
      await s.hosts.create({
        hostId,
        name,
        tokenHash: hashSecret(token),
        createdAt: now,
        expiresAt: now + TOKEN_TTL_MS,
      }, {
        at: now,
        actor: "cli",
        action: "host.create",
        target: hostId,
        detail: name ?? UNNAMED_HOST,
      });
    });
    console.log(`Registration token${name ? ` for ${name}` : ""}, valid 24 h, usable once:`);
    console.log(token);
    return 0;
  }
  if (group === "user" && verb === "add") {
    const check = checkName("user", arg ?? "");
    if (!check.ok) throw new RangeError(`Invalid NAME: ${check.problem}`);
    const name = check.name;
    const role = values.role;
    if (role !== "admin" && role !== "viewer") {
      throw new RangeError("Invalid --role: admin or viewer");
    }
    const password = (await new Response(Deno.stdin.readable).text()).split("\n")[0].replace(
      /\r$/,
      "",
    );
    const problem = passwordProblem(password);
    if (problem) throw new RangeError(`${problem} (give it on stdin)`);
    const passwordHash = await hashPassword(password);
    const created = await withStore(async (s) => {
      const like = lookalikeOf(name, (await s.auth.listUsers()).map((u) => u.name));
      if (like) throw new RangeError(`Invalid NAME: a user that looks the same exists: ${like}`);
      const at = Date.now();
      return await s.auth.createUser(
        { id: crypto.randomUUID(), name, passwordHash, role, createdAt: at },
        { at, actor: "cli", action: "user.create", target: name, detail: role },
      );
    });
    if (!created) throw new RangeError(`A user named ${name} exists`);
    console.log(`Added ${role} ${name}`);
    return 0;
  }
  if (group === "apikey" && verb === "create") {
    if (!arg?.trim()) throw new RangeError("Missing NAME: deno task hub apikey create NAME");
    const check = checkName("key", arg);
    if (!check.ok) throw new RangeError(`Invalid NAME: ${check.problem}`);
    const name = check.name;
    const key = newApiKey();
    await withStore(async (s) => {
      const id = crypto.randomUUID();
      const at = Date.now();
      await s.auth.createApiKey(
        { id, name, hash: hashSecret(key), createdAt: at },
        { at, actor: "cli", action: "apikey.create", target: id, detail: name },
      );
    });
    console.log(`API key "${name}" (shown once; send as Authorization: Bearer <key>):`);
    console.log(key);
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
