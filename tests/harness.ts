/**
 * Runs real Sightline processes for cross-process tests: a hub on loopback
 * with its own temp data dir and free ports, agents, the admin CLI, and an
 * SSE client to wait on. Every process is ended by pid when the test ends.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { textDecoder } from "../lib/assert.ts";
import { openStore } from "../hub/store/open.ts";
import type { Store } from "../hub/store/store.ts";
import { freshDatabase, testDatabaseServer } from "./pg.ts";
import { batchSeqs } from "../hub/store/testing.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DENO = Deno.execPath();

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Resolves when `pred` holds, polling every 50 ms; rejects with `what` after `ms`. */
export async function until(
  what: string,
  pred: () => boolean | Promise<boolean>,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A child process whose stderr/stdout lines are kept for assertions. */
export class Proc {
  readonly lines: string[] = [];
  #child: Deno.ChildProcess;
  #listeners = new Set<(line: string) => void>();
  readonly status: Promise<Deno.CommandStatus>;

  constructor(args: string[], env: Record<string, string>) {
    this.#child = new Deno.Command(DENO, {
      args,
      cwd: ROOT,
      env: { NO_COLOR: "1", ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Settles once the process exited and every line it wrote was read.
    this.status = Promise.all([
      this.#child.status,
      this.#pump(this.#child.stdout),
      this.#pump(this.#child.stderr),
    ]).then(([status]) => status);
  }

  get pid(): number {
    return this.#child.pid;
  }

  async #pump(stream: ReadableStream<Uint8Array>) {
    let buf = "";
    for await (const chunk of stream.pipeThrough(textDecoder())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.lines.push(line);
        if (Deno.env.get("SIGHTLINE_TEST_VERBOSE")) console.error(`[${this.pid}] ${line}`);
        for (const l of this.#listeners) l(line);
      }
    }
  }

  /** Resolves with the first line (already seen or to come) matching `re`. */
  waitForLine(re: RegExp, ms = 20_000): Promise<RegExpExecArray> {
    for (const line of this.lines) {
      const m = re.exec(line);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(
          new Error(
            `Timed out waiting for ${re}; last lines:\n${this.lines.slice(-15).join("\n")}`,
          ),
        );
      }, ms);
      const listener = (line: string) => {
        const m = re.exec(line);
        if (!m) return;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(m);
      };
      this.#listeners.add(listener);
      this.status.then(() => {
        clearTimeout(timer);
        if (this.#listeners.delete(listener)) {
          reject(
            new Error(
              `Process exited before ${re}; last lines:\n${this.lines.slice(-15).join("\n")}`,
            ),
          );
        }
      });
    });
  }

  /** Sends `signal` without waiting (SIGSTOP, SIGCONT, …). */
  signal(signal: Deno.Signal): void {
    this.#child.kill(signal);
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill(signal);
    } catch { /* already gone */ }
    return await this.status;
  }
}

/** A running hub with its addresses. */
export interface Hub {
  proc: Proc;
  dataDir: string;
  http: string;
  grpc: string;
  /** The ports it bound, to start it again on the same ones. */
  ports: { http: number; grpc: number };
  env: Record<string, string>;
  /** Stops the hub and drops the test database made for it, if any. */
  dispose(): Promise<void>;
}

/**
 * With a test database server configured (DATABASE_URL), every data dir gets
 * a PostgreSQL database of its own, kept across restarts of its hub.
 */
const databases = new Map<string, { url: string; drop(): Promise<void> }>();

async function databaseFor(dataDir: string): Promise<Record<string, string>> {
  const server = testDatabaseServer();
  if (!server) return {};
  let db = databases.get(dataDir);
  if (!db) {
    db = await freshDatabase(server);
    databases.set(dataDir, db);
  }
  return { DATABASE_URL: db.url };
}

/** The environment a hub or the CLI needs for `dataDir` (with its test database). */
export async function hubEnv(dataDir: string): Promise<Record<string, string>> {
  return { SIGHTLINE_DATA_DIR: dataDir, ...await databaseFor(dataDir) };
}

/** Drops the test database made for `dataDir`, if any. */
export async function dropTestDatabase(dataDir: string): Promise<void> {
  const db = databases.get(dataDir);
  databases.delete(dataDir);
  await db?.drop();
}

/** Opens the store a hub (running or not) uses, for assertions. */
export function openHubStore(hub: { env: Record<string, string> }): Store {
  const url = hub.env.DATABASE_URL || `sqlite:${hub.env.SIGHTLINE_DATA_DIR}/sightline.db`;
  return openStore(url, { pool: 1 });
}

/**
 * Starts a hub on loopback and waits until it is ready. Without `ports` the
 * hub binds port 0 and the harness reads the ports it got from its log, so
 * two tests never race for a port.
 */
export async function startHub(
  dataDir: string,
  ports: { http: number; grpc: number } = { http: 0, grpc: 0 },
  extraEnv: Record<string, string> = {},
): Promise<Hub> {
  const env: Record<string, string> = {
    SIGHTLINE_DATA_DIR: dataDir,
    SIGHTLINE_HTTP_ADDR: `127.0.0.1:${ports.http}`,
    SIGHTLINE_GRPC_ADDR: `127.0.0.1:${ports.grpc}`,
    ...await databaseFor(dataDir),
    ...extraEnv,
  };
  const proc = new Proc(["run", "-A", "main.ts"], env);
  const [, http, grpc] = await proc.waitForLine(
    /Hub ready http=127\.0\.0\.1:(\d+) grpc=127\.0\.0\.1:(\d+)/,
  );
  return {
    proc,
    dataDir,
    http: `http://127.0.0.1:${http}`,
    grpc: `127.0.0.1:${grpc}`,
    ports: { http: Number(http), grpc: Number(grpc) },
    env,
    async dispose() {
      await proc.stop();
      await dropTestDatabase(dataDir);
    },
  };
}

/**
 * Runs `deno task hub …` against the hub's data dir, with `input` on stdin
 * if given; returns exit code and output.
 */
export async function hubCli(
  hub: Pick<Hub, "env">,
  ...args: Array<string | { stdin: string }>
): Promise<{ code: number; stdout: string; stderr: string }> {
  const input = args.find((a): a is { stdin: string } => typeof a !== "string");
  const child = new Deno.Command(DENO, {
    args: ["run", "-A", "hub/cli.ts", ...args.filter((a): a is string => typeof a === "string")],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...hub.env },
    stdin: input ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(input.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The last line a CLI printed: tokens and keys are printed alone there. */
export function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)!.trim();
}

/** Runs `agent register`; returns exit code and output. */
export async function registerAgent(
  hub: Hub,
  token: string,
  dataDir: string,
): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(DENO, {
    args: [
      "run",
      "-A",
      "--unstable-kv",
      "agent/main.ts",
      "register",
      "--hub",
      hub.grpc,
      "--token",
      token,
      "--data",
      dataDir,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/**
 * The runtime flags `deno task agent` runs the agent with (deno.json), so
 * tests and benches run it, and measure it, the same way.
 */
const AGENT_FLAGS: string[] = (JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).tasks
  .agent as string).split(/\s+/).filter((a) => a.startsWith("--"));

/** Starts `agent run` with a fast interval and quick reconnects. */
export function startAgent(dataDir: string, intervalS = 1, env: Record<string, string> = {}): Proc {
  return new Proc(
    [
      "run",
      ...AGENT_FLAGS,
      "agent/main.ts",
      "run",
      "--data",
      dataDir,
      "--interval",
      String(intervalS),
    ],
    {
      SIGHTLINE_AGENT_RECONNECT_MAX: "2",
      SIGHTLINE_LOG_LEVEL: "debug",
      // This machine's Docker daemon runs other tests' containers: a test agent sees none of
      // them (their events would land on its host's timeline) unless its test asks for them.
      DOCKER_HOST: "unix:///nonexistent/sightline-test-docker.sock",
      ...env,
    },
  );
}

/** One parsed Server-Sent Event. */
export interface SseEvent {
  event: string;
  id: string;
  data: Record<string, unknown>;
}

/** Subscribes to /api/v1/events and keeps every event for waiting on. */
export class EventStream {
  readonly events: SseEvent[] = [];
  #ac = new AbortController();
  #listeners = new Set<() => void>();
  readonly done: Promise<void>;

  constructor(url: string, apiKey: string) {
    this.done = this.#run(url, apiKey).catch(() => {});
  }

  async #run(url: string, apiKey: string) {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: this.#ac.signal,
    });
    if (!res.ok) throw new Error(`SSE refused: ${res.status}`);
    let buf = "";
    for await (const chunk of res.body!.pipeThrough(textDecoder())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const e: Partial<SseEvent> = {};
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) e.event = line.slice(7);
          else if (line.startsWith("id: ")) e.id = line.slice(4);
          else if (line.startsWith("data: ")) e.data = JSON.parse(line.slice(6));
        }
        if (e.event) {
          this.events.push(e as SseEvent);
          for (const l of this.#listeners) l();
        }
      }
    }
  }

  /**
   * Resolves with the first event (seen or to come) matching `pred`, among
   * those from index `since` on: pass `events.length` to wait for a new one
   * (every connection starts with a snapshot of the hosts' status).
   */
  waitFor(what: string, pred: (e: SseEvent) => boolean, ms = 15_000, since = 0): Promise<SseEvent> {
    const find = () => this.events.slice(since).find(pred);
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`Timed out after ${ms} ms waiting for SSE ${what}`));
      }, ms);
      const check = () => {
        const e = find();
        if (!e) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve(e);
      };
      this.#listeners.add(check);
    });
  }

  async close(): Promise<void> {
    this.#ac.abort();
    await this.done;
  }
}

/** GETs `path` from the hub's REST API with `apiKey`. */
export async function api<T = Record<string, unknown>>(
  hub: Hub,
  apiKey: string,
  path: string,
): Promise<T> {
  const res = await fetch(`${hub.http}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const body = await res.json();
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body as T;
}

/** Calls the hub's REST API with `key`: the status and the JSON body ({} for a 204). */
export async function call(hub: Hub, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${hub.http}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: res.status === 204 ? {} : await res.json() };
}

/** Signs `name` in through the login form; the session cookie for the dashboard's pages. */
export async function signIn(hub: Hub, name: string, password: string): Promise<string> {
  const login = await fetch(`${hub.http}/login`, {
    method: "POST",
    headers: { origin: hub.http },
    body: new URLSearchParams({ name, password }),
    redirect: "manual",
  });
  await login.body?.cancel();
  const cookie = login.headers.get("set-cookie");
  if (!cookie) throw new Error(`Cannot sign ${name} in: ${login.status}`);
  return cookie.split(";")[0];
}

/** What `enroll` made: an API key for REST and events, and the registered agent's identity. */
export interface Enrolled {
  key: string;
  identity: { agentId: string; agentKey: string; caPem: string; hub: string };
}

/** Makes an API key and a registration token on `hub`, and registers an agent in `agentDir`. */
export async function enroll(hub: Hub, agentDir: string, name?: string): Promise<Enrolled> {
  const key = lastLine((await hubCli(hub, "apikey", "create", "test")).stdout);
  const token = lastLine(
    (await hubCli(hub, "token", "create", ...(name ? ["--name", name] : []))).stdout,
  );
  const reg = await registerAgent(hub, token, agentDir);
  if (reg.code !== 0) throw new Error(`Cannot register the test agent: ${reg.output}`);
  return { key, identity: JSON.parse(await Deno.readTextFile(`${agentDir}/identity.json`)) };
}

/** An SSE predicate: a stored batch with seq ≥ `seq`. */
export function batchAtLeast(seq: number): (e: SseEvent) => boolean {
  return (e) => e.event === "host.metrics" && Number(e.data.seq) >= seq;
}

/**
 * Asserts that the hub stored the host's batches exactly once, in the order
 * the agent numbered them, with no gap, and at least `atLeast` of them;
 * returns their seqs.
 */
export async function assertBatchesOnceInOrder(
  hub: { env: Record<string, string> },
  hostId: string,
  atLeast: number,
): Promise<number[]> {
  const store = openHubStore(hub);
  try {
    const arrived = await batchSeqs(store, hostId);
    if (arrived.length < atLeast) {
      throw new Error(`only ${arrived.length} batches arrived, expected ${atLeast}`);
    }
    const gap = arrived.findIndex((seq, i) => seq !== i + 1);
    if (gap >= 0) {
      throw new Error(
        `batches not once and in order: position ${gap} holds seq ${arrived[gap]}: ${arrived}`,
      );
    }
    return arrived;
  } finally {
    await store.close();
  }
}

/** What a cross-process test ends when it ends: a hub, an agent, a stream. */
export type Owned = { stop(): Promise<unknown> } | { dispose(): Promise<unknown> };

/** What a cross-process test gets: its own temp dir, and `own` for what it starts. */
export interface ProcessTest {
  dir: string;
  /** Ends `x` when the test ends, however it ends (newest first); returns `x`. */
  own<T extends Owned>(x: T): T;
}

/**
 * A test of real processes on loopback (Linux, where the harness runs): what
 * it hands to `own` is stopped and its temp dir removed when it ends.
 */
export function processTest(name: string, fn: (t: ProcessTest) => Promise<void>): void {
  Deno.test({
    name,
    ignore: Deno.build.os !== "linux",
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "sightline-test-" });
      const owned: Owned[] = [];
      try {
        await fn({ dir, own: (x) => (owned.push(x), x) });
      } finally {
        for (const x of owned.reverse()) await ("dispose" in x ? x.dispose() : x.stop());
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}
