/**
 * Logs between real processes: a file source added on the hub reaches the
 * agent as desired state; a writer's numbered lines, through a rotation and
 * a hub restart with the hub down meanwhile, arrive once each and in order,
 * searchable by substring; a source outside the agent's allow-list is
 * refused by the agent and the hub shows why; bad input is a 400 naming the
 * field.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { enroll, processTest, startAgent, startHub, until } from "./harness.ts";

async function call(
  http: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${http}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: res.status === 204 ? {} : await res.json() };
}

interface Line {
  id: string;
  host_id: string;
  source: string;
  message: string;
}

/** Every line of a search, following next_cursor, oldest first. */
async function all(http: string, key: string, query: string): Promise<Line[]> {
  const out: Line[] = [];
  let cursor = "";
  for (;;) {
    const r = await call(http, key, "GET", `/api/v1/logs?${query}&limit=1000${cursor}`);
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    out.push(...(r.body.lines as Line[]));
    if (!r.body.next_cursor) return out.reverse();
    cursor = `&cursor=${r.body.next_cursor}`;
  }
}

const numbered = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

const write = (path: string, lines: string[]) =>
  Deno.writeTextFileSync(path, lines.map((l) => l + "\n").join(""), { append: true });

processTest(
  "logs: lines of a rotated file arrive once, in order, through a hub restart",
  async (t) => {
    let hub = await startHub(`${t.dir}/hub`);
    const { key, identity } = await enroll(hub, `${t.dir}/agent`);
    await Deno.mkdir(`${t.dir}/logs`);
    const path = `${t.dir}/logs/app.log`;
    const agent = t.own(
      startAgent(`${t.dir}/agent`, 5, { SIGHTLINE_AGENT_LOG_ALLOW: `${t.dir}/logs/*.log` }),
    );
    t.own({ stop: () => hub.dispose() });
    await agent.waitForLine(/Agent connected|Connected/);

    // Bad input: a 400 that names the field, and nothing made.
    for (
      const [body, field] of [
        [{ type: "file", path: "relative.log" }, "path"],
        [{ type: "file", path: "/a/../etc/shadow" }, "path"],
        [{ type: "pipe" }, "type"],
        [{ type: "journal", units: ["a b"] }, "units"],
        [{ type: "file", path: "/x.log", scope: { hosts: ["nope"] } }, "scope.hosts"],
      ] as const
    ) {
      const r = await call(hub.http, key, "POST", "/api/v1/log-sources", body);
      assertEquals([r.status, (r.body.error as { field?: string }).field], [400, field]);
    }
    for (const q of ["limit=0", "level=loud", "cursor=zzz", "from=yesterday", "context=99"]) {
      const r = await call(hub.http, key, "GET", `/api/v1/logs?${q}`);
      assertEquals(r.status, 400, q);
    }
    assertEquals(
      (await call(hub.http, key, "GET", "/api/v1/log-sources")).body as unknown,
      [],
    );

    write(path, numbered(1, 500));
    const made = await call(hub.http, key, "POST", "/api/v1/log-sources", {
      type: "file",
      path: `${t.dir}/logs/*.log`,
      scope: { all: true },
    });
    assertEquals(made.status, 201);
    const source = String(made.body.id);
    const refused = await call(hub.http, key, "POST", "/api/v1/log-sources", {
      type: "file",
      path: "/etc/shadow",
      scope: { hosts: [identity.agentId] },
    });
    assertEquals(refused.status, 201);

    await until(
      "the first 500 lines",
      async () => (await all(hub.http, key, `source=${source}`)).length >= 500,
    );
    Deno.renameSync(path, `${path}.1`);
    write(path, numbered(501, 1000));
    await until(
      "1000 lines, through a rotation",
      async () => (await all(hub.http, key, `source=${source}`)).length >= 1000,
    );

    // The hub goes down; the agent keeps reading into its WAL, a rotation meanwhile.
    const ports = hub.ports;
    const queued = () => agent.lines.filter((l) => l.includes("Log batch queued")).length;
    const before = queued();
    await hub.proc.stop();
    const downAt = Date.now();
    write(path, numbered(1001, 1200));
    Deno.renameSync(path, `${path}.2`);
    // Down for 20 s, as the issue has it, with a writer going on all the while.
    let next = 1201;
    while (Date.now() - downAt < 20_000) {
      write(path, numbered(next, next + 9));
      next += 10;
      await new Promise((r) => setTimeout(r, 250));
    }
    const N = next - 1;
    await until("log batches queued while the hub is down", () => queued() > before);
    hub = await startHub(`${t.dir}/hub`, ports);
    await until(
      `${N} lines, after the hub came back`,
      async () => (await all(hub.http, key, `source=${source}`)).length >= N,
      30_000,
    );

    const lines = await all(hub.http, key, `source=${source}`);
    assertEquals(lines.map((l) => l.message), numbered(1, N));
    assert(lines.every((l) => l.host_id === identity.agentId));
    // A substring, any case, from the index.
    const hit = await all(hub.http, key, "q=INE%201199");
    assertEquals(hit.map((l) => l.message), ["line 1199"]);
    // Its neighbours from the same file (1,200 ended the file rotated while the hub was down).
    const ctx = await call(hub.http, key, "GET", `/api/v1/logs?q=line%201198&context=1`);
    const [withCtx] = ctx.body.lines as Array<Line & { before: Line[]; after: Line[] }>;
    assertEquals([withCtx.before[0].message, withCtx.after[0].message], ["line 1197", "line 1199"]);

    // The agent refused /etc/shadow, and the hub says why.
    await until("the agent's refusal on the hub", async () => {
      const list = (await call(hub.http, key, "GET", "/api/v1/log-sources"))
        .body as unknown as Array<
          { id: string; errors: Array<{ message: string }> }
        >;
      const e = list.find((s) => s.id === refused.body.id)?.errors[0];
      return e !== undefined && e.message.includes("outside the agent's allow-list");
    });

    // Removed: the agent stops reading it.
    assertEquals(
      (await call(hub.http, key, "DELETE", `/api/v1/log-sources/${source}`)).status,
      204,
    );
    assertEquals(
      (await call(hub.http, key, "DELETE", `/api/v1/log-sources/${source}`)).status,
      404,
    );
  },
);
