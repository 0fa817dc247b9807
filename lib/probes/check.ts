/**
 * A check as the hub holds it (issue 19's contract): what it tests, how
 * often, where it runs and how it is judged. `parseCheck` is the one rule
 * for what a check may be; the REST API, the pages and the store's readers
 * all go through it, and a refusal names the field it is about.
 */

export const CHECK_TYPES = ["http", "tls", "tcp", "dns", "ping", "push"] as const;
export type CheckType = typeof CHECK_TYPES[number];

/** As the agent accepts them (agent/jobs/checks.ts). */
export const INTERVAL_S = { min: 5, max: 86_400 } as const;
export const TIMEOUT_S = { min: 1, max: 120 } as const;
export const DNS_TYPES = ["A", "AAAA", "CNAME", "MX", "NS", "TXT"] as const;

export type RunsOn = { hosts: string[] } | { tag: string } | { any: number };

/** What a check's result must show, by type; every field optional. */
export interface Expect {
  /** http */
  status?: number;
  keyword?: string;
  json_path?: string;
  json_equals?: string;
  method?: string;
  headers?: Record<string, string>;
  follow_redirects?: boolean;
  /** tls: fail with fewer days left. */
  min_days_left?: number;
  /** dns */
  record_type?: string;
  answer?: string;
  resolver?: string;
  /** ping: echo requests per round. */
  count?: number;
}

export interface CheckDef {
  id: string;
  name: string;
  type: CheckType;
  /** A URL (http), host:port (tls, tcp), a name (dns), a host (ping); "" for push. */
  target: string;
  interval_s: number;
  timeout_s: number;
  expect: Expect;
  runs_on: RunsOn;
  /** Down when at least k of its agents failed `rounds` rounds in a row. */
  k: number;
  rounds: number;
  /** Up again after this many successes in a row. */
  recover_rounds: number;
}

/** A field the input got wrong, and why. */
export class CheckInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = "CheckInputError";
  }
}

const fail = (field: string, message: string): never => {
  throw new CheckInputError(field, message);
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function int(v: unknown, field: string, min: number, max: number, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    return fail(field, `${field} must be a whole number from ${min} to ${max}`);
  }
  return v;
}

function text(v: unknown, field: string, max: number): string {
  // deno-lint-ignore no-control-regex -- refusing control characters is the point
  if (typeof v !== "string" || v.length > max || /[\u0000-\u001f\u007f]/.test(v)) {
    return fail(
      field,
      `${field} must be text of at most ${max} characters, without control characters`,
    );
  }
  return v;
}

/** host:port, the port required; a bracketed IPv6 address is allowed. */
export function hostPort(target: string): { host: string; port: number } | null {
  const m = target.match(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) return null;
  return { host: m[1].replace(/^\[|\]$/g, ""), port };
}

const HOST = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/;

/**
 * The check `input` describes, its id given; throws CheckInputError naming
 * the field. Unknown fields are refused, so a typo is not silently ignored.
 */
export function parseCheck(id: string, input: unknown): CheckDef {
  if (!isObject(input)) return fail("body", "expected a JSON object");
  const known = [
    "name",
    "type",
    "target",
    "interval_s",
    "timeout_s",
    "expect",
    "runs_on",
    "k",
    "rounds",
    "recover_rounds",
  ];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) fail(key, `unknown field ${key}`);
  }
  const name = text(input.name, "name", 100).trim();
  if (!name) fail("name", "name is required");
  const type = input.type as CheckType;
  if (!CHECK_TYPES.includes(type)) fail("type", `type must be one of ${CHECK_TYPES.join(", ")}`);
  const target = type === "push" && input.target === undefined
    ? ""
    : text(input.target, "target", 2000).trim();
  switch (type) {
    case "http": {
      let url: URL | null = null;
      try {
        url = new URL(target);
      } catch { /* refused below */ }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
        fail("target", "target must be an http:// or https:// URL");
      }
      break;
    }
    case "tls":
    case "tcp":
      if (!hostPort(target)) fail("target", "target must be host:port");
      break;
    case "dns":
    case "ping":
      if (!HOST.test(target)) fail("target", "target must be a host name or address");
      break;
  }
  const interval_s = int(input.interval_s, "interval_s", INTERVAL_S.min, INTERVAL_S.max);
  const timeout_s = int(input.timeout_s, "timeout_s", TIMEOUT_S.min, TIMEOUT_S.max, 10);
  if (type !== "push" && timeout_s > interval_s) {
    fail("timeout_s", "timeout_s must not be longer than interval_s");
  }
  const expect = parseExpect(type, input.expect ?? {});
  const runs_on = parseRunsOn(type, input.runs_on);
  const k = int(input.k, "k", 1, 100, 1);
  const rounds = int(input.rounds, "rounds", 1, 100, 2);
  const recover_rounds = int(input.recover_rounds, "recover_rounds", 1, 100, rounds);
  if ("hosts" in runs_on && k > runs_on.hosts.length) {
    fail("k", "k must not be more than the hosts the check runs on");
  }
  if ("any" in runs_on && k > runs_on.any) fail("k", "k must not be more than runs_on.any");
  return {
    id,
    name,
    type,
    target,
    interval_s,
    timeout_s,
    expect,
    runs_on,
    k,
    rounds,
    recover_rounds,
  };
}

function parseRunsOn(type: CheckType, v: unknown): RunsOn {
  if (type === "push") return { any: 1 }; // judged on the hub; no agent runs it
  if (!isObject(v) || Object.keys(v).length !== 1) {
    return fail("runs_on", "runs_on must be {hosts: [id…]}, {tag} or {any: N}");
  }
  if ("hosts" in v) {
    const hosts = v.hosts;
    if (!Array.isArray(hosts) || !hosts.length || hosts.length > 100) {
      return fail("runs_on.hosts", "runs_on.hosts must list 1 to 100 host ids");
    }
    return { hosts: [...new Set(hosts.map((h) => text(h, "runs_on.hosts", 100)))] };
  }
  if ("tag" in v) {
    const tag = text(v.tag, "runs_on.tag", 64).trim();
    if (!tag) fail("runs_on.tag", "runs_on.tag is required");
    return { tag };
  }
  if ("any" in v) return { any: int(v.any, "runs_on.any", 1, 100) };
  return fail("runs_on", "runs_on must be {hosts: [id…]}, {tag} or {any: N}");
}

function parseExpect(type: CheckType, v: unknown): Expect {
  if (!isObject(v)) return fail("expect", "expect must be an object");
  const out: Expect = {};
  const allowed: Record<CheckType, string[]> = {
    http: [
      "status",
      "keyword",
      "json_path",
      "json_equals",
      "method",
      "headers",
      "follow_redirects",
    ],
    tls: ["min_days_left"],
    tcp: [],
    dns: ["record_type", "answer", "resolver"],
    ping: ["count"],
    push: [],
  };
  for (const key of Object.keys(v)) {
    if (!allowed[type].includes(key)) {
      fail(`expect.${key}`, `expect.${key} is not for ${type} checks`);
    }
  }
  if (v.status !== undefined) out.status = int(v.status, "expect.status", 100, 599);
  if (v.keyword !== undefined) out.keyword = text(v.keyword, "expect.keyword", 500);
  if (v.json_path !== undefined) out.json_path = text(v.json_path, "expect.json_path", 200);
  if (v.json_equals !== undefined) out.json_equals = text(v.json_equals, "expect.json_equals", 500);
  if (v.method !== undefined) {
    const m = text(v.method, "expect.method", 10).toUpperCase();
    if (!["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"].includes(m)) {
      fail("expect.method", "expect.method must be an HTTP method");
    }
    out.method = m;
  }
  if (v.headers !== undefined) {
    if (!isObject(v.headers) || Object.keys(v.headers).length > 20) {
      fail("expect.headers", "expect.headers must be an object of at most 20 headers");
    }
    out.headers = {};
    for (const [name, value] of Object.entries(v.headers as Record<string, unknown>)) {
      if (!/^[A-Za-z0-9-]{1,64}$/.test(name)) fail("expect.headers", `header name ${name}?`);
      out.headers[name] = text(value, "expect.headers", 1000);
    }
  }
  if (v.follow_redirects !== undefined) {
    if (typeof v.follow_redirects !== "boolean") {
      fail("expect.follow_redirects", "expect.follow_redirects must be true or false");
    }
    out.follow_redirects = v.follow_redirects as boolean;
  }
  if (v.min_days_left !== undefined) {
    out.min_days_left = int(v.min_days_left, "expect.min_days_left", 0, 3650);
  }
  if (v.record_type !== undefined) {
    const t = text(v.record_type, "expect.record_type", 5).toUpperCase();
    if (!(DNS_TYPES as readonly string[]).includes(t)) {
      fail("expect.record_type", `expect.record_type must be one of ${DNS_TYPES.join(", ")}`);
    }
    out.record_type = t;
  }
  if (v.answer !== undefined) out.answer = text(v.answer, "expect.answer", 500);
  if (v.resolver !== undefined) {
    const r = text(v.resolver, "expect.resolver", 60);
    // An address, not a name: the agent's resolver is asked by address (Deno.resolveDns).
    const hp = hostPort(r);
    const ip = (h: string) =>
      /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || (h.includes(":") && /^[0-9a-fA-F:.]+$/.test(h));
    if (!ip(r) && !(hp && ip(hp.host))) {
      fail("expect.resolver", "expect.resolver must be an IP address, optionally with :port");
    }
    out.resolver = r;
  }
  if (v.count !== undefined) out.count = int(v.count, "expect.count", 1, 20);
  return out;
}
