/**
 * Actions on the agent (issue 20): lists what the host's action file allows,
 * and runs one request once its grant holds (grants.ts) and its parameters fit
 * their types (file.ts). A container action goes to the Docker Engine API, a
 * unit to `systemctl restart UNIT`, a command to its fixed argv: each through
 * Deno.Command with an argument list, never a shell. Every request and its
 * outcome is a line in the agent's local log (`actions.log` in its data dir).
 */
import type {
  ActionList,
  ActionResult,
  RunAction,
} from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { keyFingerprint, type Params } from "../../lib/actions/grant.ts";
import type { Logger } from "../../lib/log.ts";
import { type Action, checkParam, loadActions, loadKeys } from "./file.ts";
import { checkGrant, importKey, NonceStore, type OperatorKey } from "./grants.ts";
import { actOnContainer } from "./containers.ts";

/** What the agent keeps of a command's output. */
export const OUTPUT_LIMIT = 64 * 1024;

export interface ActionsOptions {
  agentId: string;
  actionsFile: string;
  keysFile: string;
  /** SIGHTLINE_AGENT_OPERATOR_KEY: keys pinned in the agent's environment. */
  envKeys?: string;
  /** Where the container engine's socket is looked for (DOCKER_HOST, SIGHTLINE_ROOT). */
  engine: { env: Record<string, string | undefined>; root: string };
  /** The local log (a JSON line per request). */
  logFile: string;
  kv: Deno.Kv;
  log: Logger;
}

/** A finished action: its exit status, its output (cut), how long it took. */
interface Ran {
  exitCode: number;
  output: string;
  truncated: boolean;
}

/** Collects a process's output, stdout and stderr as they come, up to the limit. */
class Output {
  #chunks: Uint8Array[] = [];
  #size = 0;
  truncated = false;

  add(chunk: Uint8Array) {
    const room = OUTPUT_LIMIT - this.#size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = chunk.subarray(0, room);
    this.#chunks.push(part);
    this.#size += part.length;
  }

  text(): string {
    const all = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    // A cut can split a character, and a command may print anything: never a decode error.
    return new TextDecoder().decode(all);
  }
}

/** Runs argv (argv[0] an absolute path) without a shell, killed after `timeoutS`. */
async function runArgv(argv: string[], timeoutS: number): Promise<Ran> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" },
  }).spawn();
  const out = new Output();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already ended */ }
  }, timeoutS * 1000);
  const readers = [child.stdout.getReader(), child.stderr.getReader()];
  const pumps = Promise.all(readers.map(async (r) => {
    for (let c = await r.read(); !c.done; c = await r.read()) out.add(c.value);
  })).catch(() => {});
  const status = await child.status;
  clearTimeout(timer);
  // A daemon the command started may hold its stdout open for ever: once the
  // command itself has ended, what it wrote within a second is its output.
  let late: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([pumps, new Promise((r) => (late = setTimeout(r, 1000)))]);
  clearTimeout(late);
  for (const r of readers) r.cancel().catch(() => {});
  const killed = status.signal === "SIGKILL";
  if (killed) out.add(new TextEncoder().encode(`\n(killed after ${timeoutS} s)`));
  return { exitCode: status.code, output: out.text(), truncated: out.truncated };
}

export class AgentActions {
  #nonces: NonceStore;

  constructor(private opts: ActionsOptions) {
    this.#nonces = new NonceStore(opts.kv);
  }

  async #keys(): Promise<{ keys: OperatorKey[]; problem: string }> {
    const pinned = await loadKeys(this.opts.keysFile, this.opts.envKeys);
    const keys = await Promise.all(pinned.keys.map(async (raw) => ({
      key: await importKey(raw),
      fingerprint: await keyFingerprint(raw),
    })));
    return { keys, problem: pinned.problem };
  }

  /** What the host allows, as its files say now. */
  async list(): Promise<ActionList> {
    const [allowed, pinned] = await Promise.all([
      loadActions(this.opts.actionsFile),
      this.#keys(),
    ]);
    if (allowed.problem) {
      this.opts.log.warn("Offering no actions: the action file is refused", {
        problem: allowed.problem,
      });
    }
    if (pinned.problem) {
      this.opts.log.warn("Ignoring operator keys that are refused", { problem: pinned.problem });
    }
    return {
      actions: [...allowed.actions.values()].map((a) => ({
        name: a.name,
        kind: a.kind,
        description: a.description,
        params: a.params.map((p) => ({
          name: p.name,
          type: p.type,
          values: p.type === "enum" ? p.values : [],
          min: p.type === "int" ? p.min : 0,
          max: p.type === "int" ? p.max : 0,
          pattern: p.type === "name" ? p.pattern : "",
        })),
      })),
      operatorKeys: pinned.keys.map((k) => k.fingerprint),
      problem: [allowed.problem, pinned.problem].filter(Boolean).join("; "),
    };
  }

  /** Checks and runs one request; a refusal is a result with `refused` set. */
  async run(req: RunAction): Promise<ActionResult> {
    const started = performance.now();
    // fromEntries makes own properties, so even a "__proto__" parameter is just a name.
    const params: Params = Object.fromEntries(req.params.map((p) => [p.name, p.value]));
    const entry: Record<string, unknown> = {
      at: new Date().toISOString(),
      action: req.action.slice(0, 64),
      params: req.params.length <= 32 ? params : "(too many)",
    };
    const finish = async (r: Omit<ActionResult, "durationMs">): Promise<ActionResult> => {
      const result = { ...r, durationMs: performance.now() - started };
      Object.assign(
        entry,
        r.refused ? { refused: r.refused } : {
          exit_code: r.exitCode,
          output_bytes: r.output.length,
          duration_ms: result.durationMs,
        },
      );
      await this.#record(entry);
      if (r.refused) {
        this.opts.log.warn("Refused an action", { action: req.action, reason: r.refused });
      } else {
        this.opts.log.info("Ran an action", {
          action: req.action,
          exit_code: r.exitCode,
          duration_ms: Math.round(result.durationMs),
        });
      }
      return result;
    };
    const refuse = (refused: string) =>
      finish({ refused, exitCode: 0, output: "", outputTruncated: false });

    // What the hub relays is bounded as its own API bounds it; more is not a request.
    if (
      req.action.length > 64 || req.params.length > 32 ||
      req.params.some((p) => p.name.length > 32 || p.value.length > 256) ||
      new Set(req.params.map((p) => p.name)).size !== req.params.length
    ) {
      entry.params = "(refused unread)";
      return refuse("the action or its parameters are too long, too many or repeated");
    }
    const { keys, problem: keyProblem } = await this.#keys();
    const check = await checkGrant(
      { action: req.action, params, grant: req.grant, signature: req.signature },
      { agentId: this.opts.agentId, keys, nonces: this.#nonces },
    );
    if (check.nonce) entry.nonce = check.nonce;
    if (!check.ok) {
      return refuse(
        keyProblem && keys.length === 0 ? `${check.reason} (${keyProblem})` : check.reason,
      );
    }
    entry.key = check.fingerprint;
    const allowed = await loadActions(this.opts.actionsFile);
    const action = allowed.actions.get(req.action);
    if (!action) {
      return refuse(
        allowed.problem
          ? `the host's action file is refused: ${allowed.problem}`
          : `the host's action file has no action "${req.action.slice(0, 64)}"`,
      );
    }
    for (const name of Object.keys(params)) {
      if (!action.params.some((p) => p.name === name)) {
        return refuse(`${action.name} takes no parameter ${name.slice(0, 32)}`);
      }
    }
    for (const spec of action.params) {
      const why = checkParam(spec, params[spec.name]);
      if (why) return refuse(why);
    }
    try {
      const ran = await this.#execute(action, params);
      if ("refused" in ran) return refuse(ran.refused);
      return finish({
        refused: "",
        exitCode: ran.exitCode,
        output: ran.output,
        outputTruncated: ran.truncated,
      });
    } catch (err) {
      return finish({
        refused: "",
        exitCode: 1,
        output: `could not run: ${(err as Error).message}`,
        outputTruncated: false,
      });
    }
  }

  async #execute(action: Action, params: Params): Promise<Ran | { refused: string }> {
    switch (action.kind) {
      case "container": {
        // The name matched the action's glob as a parameter; labels are the container's own.
        const r = await actOnContainer(
          this.opts.engine,
          params.container,
          action.verb,
          action.labels,
        );
        if ("refused" in r) return r;
        return { exitCode: r.ok ? 0 : 1, output: r.text, truncated: false };
      }
      case "unit":
        return await runArgv(["/usr/bin/systemctl", "restart", action.unit], 50);
      case "command":
        return await runArgv(
          action.argv.map((a) => {
            const m = /^\{([a-z][a-z0-9_]*)\}$/.exec(a);
            return m ? params[m[1]] : a;
          }),
          action.timeoutS,
        );
    }
  }

  /** Appends one line to the local log; a log that cannot be written is said, never fatal. */
  async #record(entry: Record<string, unknown>): Promise<void> {
    try {
      await Deno.writeTextFile(this.opts.logFile, JSON.stringify(entry) + "\n", {
        append: true,
        mode: 0o600,
      });
    } catch (err) {
      this.opts.log.error("Cannot write the local action log", {
        file: this.opts.logFile,
        error: (err as Error).message,
      });
    }
  }
}
