/**
 * What the alert tests share: a webhook receiver that keeps what it was
 * sent (and checks the shape the webhook channel documents), an agent whose
 * memory use the test sets (a /proc of fixtures whose meminfo it rewrites),
 * and REST calls with an API key.
 */
import { assert } from "../lib/assert.ts";
import { signature, type WebhookBody } from "../hub/notify/webhook.ts";
import { type Hub, until } from "./harness.ts";

/** A host's root in the kernel's formats: six processes, postgres the largest (see agent/testdata). */
const FIXTURE_ROOT = new URL("../agent/testdata/procs", import.meta.url).pathname;

/** A local HTTP server standing in for a webhook's receiver. */
export class Receiver {
  readonly got: WebhookBody[] = [];
  /** Answer this status instead of 200 while set (a receiver that is down). */
  failWith: number | null = null;
  /** Wait this many seconds, says each failure's Retry-After (unset: none said). */
  retryAfterS: number | null = null;
  /** Answer the next this many requests with failWith (or 500), then recover. */
  failNext = 0;
  /** Every request's answer: the status sent, in order. */
  readonly answered: number[] = [];
  /** The channel's signing secret: every body's signature is checked against it. */
  signingSecret: string | null = null;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  constructor() {
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      if (this.failWith || this.failNext > 0) {
        if (this.failNext > 0) this.failNext--;
        const status = this.failWith ?? 500;
        this.answered.push(status);
        const headers = this.retryAfterS === null
          ? undefined
          : { "retry-after": String(this.retryAfterS) };
        await req.body?.cancel();
        return new Response("down", { status, headers });
      }
      this.answered.push(200);
      const raw = await req.text();
      if (this.signingSecret) {
        const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(
          req.headers.get("x-sightline-signature") ?? "",
        );
        assert(m, "a signature header");
        assert(signature(this.signingSecret, Number(m[1]), raw) === m[0], "the signature holds");
        assert(Math.abs(Date.now() / 1000 - Number(m[1])) < 300, "signed just now");
      }
      const body = JSON.parse(raw) as WebhookBody;
      // The documented shape: a version, the notification's id (also in a header), the alerts.
      assert(body.version === 1, "version 1");
      assert(req.headers.get("x-sightline-notification") === String(body.id), "id header");
      assert(typeof body.title === "string" && typeof body.text === "string", "title and text");
      assert(Array.isArray(body.alerts) && body.alerts.length > 0, "alerts listed");
      this.got.push(body);
      return new Response("ok");
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}/hook`;
  }

  /** Kinds received so far, in order. */
  kinds(): string[] {
    return this.got.map((b) => b.kind);
  }

  count(kind: string): number {
    return this.got.filter((b) => b.kind === kind).length;
  }

  async waitFor(kind: string, n = 1, ms = 30_000): Promise<WebhookBody> {
    await until(
      `${n} "${kind}" notification(s) (got ${this.kinds()})`,
      () => this.count(kind) >= n,
      ms,
    );
    return this.got.filter((b) => b.kind === kind)[n - 1];
  }

  stop(): Promise<void> {
    return this.#server.shutdown();
  }
}

/** A host root of fixtures (/proc, /etc/passwd) in `dir` whose memory use the test sets. */
export class FakeProc {
  constructor(readonly dir: string) {}

  static async make(dir: string): Promise<FakeProc> {
    await Deno.mkdir(dir, { recursive: true });
    await copyTree(FIXTURE_ROOT, dir);
    const p = new FakeProc(dir);
    await p.memory(10);
    return p;
  }

  /** What the agent is started with to read this root. */
  get env(): Record<string, string> {
    return { SIGHTLINE_ROOT: this.dir, SIGHTLINE_PROC_ROOT: `${this.dir}/proc` };
  }

  /** Sets memory use to `percent` of MemTotal (written whole, then renamed in). */
  async memory(percent: number): Promise<void> {
    const total = 8_000_000;
    const available = Math.round(total * (100 - percent) / 100);
    const text = `MemTotal:       ${total} kB\nMemFree:        ${available} kB\n` +
      `MemAvailable:   ${available} kB\nBuffers:        0 kB\nCached:         0 kB\n` +
      `SwapTotal:      0 kB\nSwapFree:       0 kB\n`;
    await Deno.writeTextFile(`${this.dir}/proc/meminfo.tmp`, text);
    await Deno.rename(`${this.dir}/proc/meminfo.tmp`, `${this.dir}/proc/meminfo`);
  }
}

async function copyTree(from: string, to: string) {
  for await (const e of Deno.readDir(from)) {
    const src = `${from}/${e.name}`;
    const dst = `${to}/${e.name}`;
    if (e.isDirectory) {
      await Deno.mkdir(dst, { recursive: true });
      await copyTree(src, dst);
    } else if (e.isSymlink) {
      await Deno.symlink(await Deno.readLink(src), dst);
    } else await Deno.copyFile(src, dst);
  }
}

/** One REST call; the status and the JSON body (null for 204). */
export async function rest<T = Record<string, unknown>>(
  hub: Pick<Hub, "http">,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${hub.http}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Like {@link rest}, but throws unless the status is `want`. */
export async function ok<T = Record<string, unknown>>(
  hub: Pick<Hub, "http">,
  key: string,
  method: string,
  path: string,
  body?: unknown,
  want = method === "POST" ? 201 : method === "DELETE" ? 204 : 200,
): Promise<T> {
  const r = await rest<T>(hub, key, method, path, body);
  if (r.status !== want) {
    throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)} (wanted ${want})`);
  }
  return r.body;
}

/** Removes every rule (the defaults) and adds a webhook channel to `receiver`. */
export async function onlyTheTestsRules(hub: Pick<Hub, "http">, key: string, receiver: Receiver) {
  for (const r of await ok<Array<{ id: string }>>(hub, key, "GET", "/api/v1/alert-rules")) {
    await ok(hub, key, "DELETE", `/api/v1/alert-rules/${r.id}`);
  }
  const made = await ok<{ signing_secret: string }>(hub, key, "POST", "/api/v1/channels", {
    name: "test hook",
    type: "webhook",
    config: { url: receiver.url },
  });
  receiver.signingSecret = made.signing_secret;
}

/** The memory rule the tests drive: above 90 % fires, at or below 80 % resolves. */
export const MEMORY_RULE = {
  name: "memory high",
  kind: "threshold",
  metric: "mem_used_percent",
  op: ">",
  threshold: 90,
  recover: 80,
  for_s: 3,
  severity: "warning",
  scope: { all: true },
  repeat_s: 3600,
  group_s: 0,
};
