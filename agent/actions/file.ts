/**
 * The host's own word on what may be done to it (issue 20): the action file
 * (`/etc/sightline/actions.toml`) and the pinned operator keys
 * (`/etc/sightline/operator.pub`). Both must be owned by root and writable by
 * no one else, in a directory that is the same: a file the agent's user (or
 * anyone but root) could rewrite would let whoever holds that user widen what
 * the hub may ask. A file that fails the check, or does not parse, gives no
 * actions at all, never some of them.
 *
 * Read again on every request (a stat and a small parse), so an edit takes
 * effect without restarting the agent.
 */
import { parse as parseToml } from "smol-toml";
import { dirname } from "node:path";
import { decodeKey } from "../../lib/actions/grant.ts";
import { globMatch } from "../../lib/actions/glob.ts";

export { globMatch };

/** What a container action does to the container named in its request. */
export type ContainerVerb = "restart" | "stop" | "start";

/** A typed parameter: nothing else reaches a command line. */
export type ParamSpec =
  | { name: string; type: "int"; min: number; max: number }
  | { name: string; type: "enum"; values: string[] }
  | { name: string; type: "name"; pattern: string };

export type Action =
  | {
    kind: "container";
    name: string;
    description: string;
    verb: ContainerVerb;
    /** A glob on the container's name. */
    match: string;
    /** Labels the container must carry, with these values. */
    labels: Record<string, string>;
    params: ParamSpec[];
  }
  | { kind: "unit"; name: string; description: string; unit: string; params: ParamSpec[] }
  | {
    kind: "command";
    name: string;
    description: string;
    /** argv[0] is an absolute path; an element that is exactly `{param}` is that parameter. */
    argv: string[];
    timeoutS: number;
    params: ParamSpec[];
  };

/** The host's actions, or why it offers none. */
export interface Allowed {
  actions: Map<string, Action>;
  /** Why the file was refused ("" when it was read, or there is none). */
  problem: string;
}

/** Where the files are, by default under /etc/sightline (env points elsewhere). */
export const DEFAULT_ACTIONS_FILE = "/etc/sightline/actions.toml";
export const DEFAULT_KEYS_FILE = "/etc/sightline/operator.pub";

const ACTION_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const PARAM_NAME = /^[a-z][a-z0-9_]{0,31}$/;
/** Container name globs: Docker's own name characters, and `*`, `?`. */
const GLOB = /^[A-Za-z0-9_.*?-]{1,128}$/;
/** systemd unit names (systemd.unit(5)): never an option, never a path. */
const UNIT = /^[A-Za-z0-9][A-Za-z0-9:_.@\\-]{0,255}$/;
/** A name parameter's value: what a name glob can match, and never an option. */
export const NAME_VALUE = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,127}$/;
const MAX_ACTIONS = 256;
const MAX_COMMAND_TIMEOUT_S = 55;

class FileProblem extends Error {}

/**
 * Refuses a file (or its directory) that anyone but root owns or may write
 * to. Returns false when the file does not exist.
 */
async function checkOwnership(path: string): Promise<boolean> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw new FileProblem(`${path} cannot be read: ${(err as Error).message}`);
  }
  if (!st.isFile) throw new FileProblem(`${path} is not a file`);
  for (
    const [what, p, info] of [["", path, st], ["its directory ", dirname(path), null]] as const
  ) {
    const i = info ?? await Deno.stat(p);
    if (i.uid !== 0) throw new FileProblem(`${what}${p} is owned by uid ${i.uid}, not root`);
    // A sticky world-writable directory (/tmp) is refused too: an action file has no business there.
    if (((i.mode ?? 0) & 0o022) !== 0) {
      throw new FileProblem(
        `${what}${p} is writable by group or others (mode ${((i.mode ?? 0) & 0o777).toString(8)})`,
      );
    }
  }
  return true;
}

function fail(where: string, message: string): never {
  throw new FileProblem(`${where}: ${message}`);
}

function onlyKeys(where: string, o: Record<string, unknown>, keys: string[]) {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) fail(where, `unknown key "${k}" (allowed: ${keys.join(", ")})`);
  }
}

function str(where: string, v: unknown, re?: RegExp): string {
  if (typeof v !== "string" || v.length === 0 || v.length > 1024) {
    fail(where, "must be a non-empty text");
  }
  if (re && !re.test(v)) fail(where, `"${v}" is not allowed here (${re.source})`);
  return v;
}

function table(where: string, v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof Date) {
    fail(where, "must be a table");
  }
  return v as Record<string, unknown>;
}

function int(where: string, v: unknown): number {
  if (typeof v !== "bigint" && typeof v !== "number") fail(where, "must be an integer");
  const n = Number(v);
  if (!Number.isSafeInteger(n)) fail(where, "must be an integer");
  return n;
}

function paramSpec(where: string, name: string, v: unknown): ParamSpec {
  const o = table(where, v);
  if (!PARAM_NAME.test(name)) fail(where, `the parameter name "${name}" is not allowed`);
  switch (o.type) {
    case "int": {
      onlyKeys(where, o, ["type", "min", "max"]);
      const min = int(`${where}.min`, o.min), max = int(`${where}.max`, o.max);
      if (min > max) fail(where, "min is above max");
      return { name, type: "int", min, max };
    }
    case "enum": {
      onlyKeys(where, o, ["type", "values"]);
      if (!Array.isArray(o.values) || o.values.length === 0 || o.values.length > 64) {
        fail(`${where}.values`, "must list 1 to 64 texts");
      }
      return {
        name,
        type: "enum",
        values: o.values.map((x, i) => str(`${where}.values[${i}]`, x)),
      };
    }
    case "name": {
      onlyKeys(where, o, ["type", "pattern"]);
      return { name, type: "name", pattern: str(`${where}.pattern`, o.pattern, GLOB) };
    }
    default:
      fail(`${where}.type`, 'must be "int", "enum" or "name" (free text is never allowed)');
  }
}

function description(where: string, o: Record<string, unknown>, made: string): string {
  return o.description === undefined ? made : str(`${where}.description`, o.description);
}

/** The actions an action file's text declares; throws a {@link FileProblem} naming the fault. */
export function parseActions(text: string, file = "actions.toml"): Map<string, Action> {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    // smol-toml's message points at the line and column.
    throw new FileProblem(`${file} is not TOML: ${(err as Error).message.split("\n")[0]}`);
  }
  onlyKeys(file, doc, ["container", "unit", "command"]);
  const actions = new Map<string, Action>();
  const add = (where: string, a: Action) => {
    if (actions.has(a.name)) fail(where, `the action name "${a.name}" is used twice`);
    actions.set(a.name, a);
    if (actions.size > MAX_ACTIONS) fail(file, `more than ${MAX_ACTIONS} actions`);
  };
  const list = (k: string) => {
    const v = doc[k] ?? [];
    if (!Array.isArray(v)) fail(file, `"${k}" must be an array of tables ([[${k}]])`);
    return v;
  };
  for (const [i, raw] of list("container").entries()) {
    const where = `${file} container[${i}]`;
    const o = table(where, raw);
    onlyKeys(where, o, ["name", "verb", "match", "labels", "description"]);
    const name = str(`${where}.name`, o.name, ACTION_NAME);
    const verb = str(`${where}.verb`, o.verb ?? "restart");
    if (!["restart", "stop", "start"].includes(verb)) {
      fail(`${where}.verb`, 'must be "restart", "stop" or "start"');
    }
    const match = o.match === undefined ? "*" : str(`${where}.match`, o.match, GLOB);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(table(`${where}.labels`, o.labels ?? {}))) {
      labels[str(`${where}.labels key`, k)] = str(`${where}.labels.${k}`, v);
    }
    if (o.match === undefined && Object.keys(labels).length === 0) {
      fail(where, "needs a match (a name glob) or labels: no action covers every container");
    }
    const labelText = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(", ");
    add(where, {
      kind: "container",
      name,
      verb: verb as ContainerVerb,
      match,
      labels,
      description: description(
        where,
        o,
        `${verb} a container named ${match}${labelText ? ` labelled ${labelText}` : ""}`,
      ),
      params: [{ name: "container", type: "name", pattern: match }],
    });
  }
  for (const [i, raw] of list("unit").entries()) {
    const where = `${file} unit[${i}]`;
    const o = table(where, raw);
    onlyKeys(where, o, ["name", "unit", "description"]);
    const unit = str(`${where}.unit`, o.unit, UNIT);
    add(where, {
      kind: "unit",
      name: str(`${where}.name`, o.name, ACTION_NAME),
      unit,
      description: description(where, o, `restart the systemd unit ${unit}`),
      params: [],
    });
  }
  for (const [i, raw] of list("command").entries()) {
    const where = `${file} command[${i}]`;
    const o = table(where, raw);
    onlyKeys(where, o, ["name", "argv", "params", "timeout_s", "description"]);
    if (!Array.isArray(o.argv) || o.argv.length === 0 || o.argv.length > 64) {
      fail(`${where}.argv`, "must list the program and its arguments (1 to 64 texts)");
    }
    const argv = o.argv.map((a, j) => str(`${where}.argv[${j}]`, a));
    if (!argv[0].startsWith("/")) fail(`${where}.argv[0]`, "must be an absolute path (no PATH)");
    const params = Object.entries(table(`${where}.params`, o.params ?? {})).map(([k, v]) =>
      paramSpec(`${where}.params.${k}`, k, v)
    );
    const used = new Set<string>();
    for (const [j, a] of argv.entries()) {
      const whole = /^\{([a-z][a-z0-9_]*)\}$/.exec(a);
      if (whole) {
        if (j === 0) fail(`${where}.argv[0]`, "the program cannot be a parameter");
        if (!params.some((p) => p.name === whole[1])) {
          fail(`${where}.argv[${j}]`, `{${whole[1]}} is not a declared parameter`);
        }
        used.add(whole[1]);
      } else if (/\{[a-z][a-z0-9_]*\}/.test(a)) {
        // No splicing into a longer argument: a value is a whole argument or nothing.
        fail(`${where}.argv[${j}]`, "a parameter must be a whole argument");
      }
    }
    for (const p of params) {
      if (!used.has(p.name)) fail(`${where}.params.${p.name}`, "is declared but not in argv");
    }
    const timeoutS = o.timeout_s === undefined ? 30 : int(`${where}.timeout_s`, o.timeout_s);
    if (timeoutS < 1 || timeoutS > MAX_COMMAND_TIMEOUT_S) {
      fail(`${where}.timeout_s`, `must be 1 to ${MAX_COMMAND_TIMEOUT_S}`);
    }
    add(where, {
      kind: "command",
      name: str(`${where}.name`, o.name, ACTION_NAME),
      argv,
      timeoutS,
      params,
      description: description(where, o, `run ${argv.join(" ")}`),
    });
  }
  return actions;
}

/** The host's actions from `path`: none when it is absent, refused or broken (with why). */
export async function loadActions(path: string): Promise<Allowed> {
  try {
    if (!(await checkOwnership(path))) return { actions: new Map(), problem: "" };
    return { actions: parseActions(await Deno.readTextFile(path), path), problem: "" };
  } catch (err) {
    if (err instanceof FileProblem) return { actions: new Map(), problem: err.message };
    return { actions: new Map(), problem: `${path}: ${(err as Error).message}` };
  }
}

/** The pinned operator keys, raw. */
export interface Pinned {
  keys: Uint8Array[];
  problem: string;
}

/**
 * The operator keys pinned on this host: those in `env` (the agent's
 * SIGHTLINE_AGENT_OPERATOR_KEY, set at install by whoever wrote its unit)
 * and those in the keys file, one `ed25519:…` a line, `#` comments. A file
 * that fails the ownership check, or a line that is not a key, pins none of
 * the file's keys.
 */
export async function loadKeys(path: string, env: string | undefined): Promise<Pinned> {
  const keys: Uint8Array[] = [];
  const problems: string[] = [];
  for (const word of (env ?? "").split(/[\s,]+/).filter(Boolean)) {
    const raw = decodeKey(word);
    if (raw) keys.push(raw);
    else problems.push("SIGHTLINE_AGENT_OPERATOR_KEY holds something that is not an ed25519: key");
  }
  try {
    if (await checkOwnership(path)) {
      const found: Uint8Array[] = [];
      for (const [i, line] of (await Deno.readTextFile(path)).split("\n").entries()) {
        const text = line.replace(/#.*/, "").trim();
        if (!text) continue;
        const raw = decodeKey(text.split(/\s+/)[0]);
        if (!raw) throw new FileProblem(`${path} line ${i + 1} is not an ed25519: key`);
        found.push(raw);
      }
      keys.push(...found);
    }
  } catch (err) {
    problems.push(err instanceof FileProblem ? err.message : `${path}: ${(err as Error).message}`);
  }
  return { keys, problem: problems.join("; ") };
}

/** Checks `value` against a parameter's type; the reason it does not fit, or null. */
export function checkParam(spec: ParamSpec, value: string | undefined): string | null {
  if (value === undefined) return `the parameter ${spec.name} is missing`;
  switch (spec.type) {
    case "int": {
      if (!/^-?[0-9]{1,16}$/.test(value)) return `${spec.name} must be an integer`;
      const n = Number(value);
      return n < spec.min || n > spec.max
        ? `${spec.name} must be from ${spec.min} to ${spec.max}`
        : null;
    }
    case "enum":
      return spec.values.includes(value)
        ? null
        : `${spec.name} must be one of ${spec.values.join(", ")}`;
    case "name":
      if (!NAME_VALUE.test(value)) return `${spec.name} is not a name`;
      return globMatch(spec.pattern, value) ? null : `${spec.name} must match ${spec.pattern}`;
  }
}
