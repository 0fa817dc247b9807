/**
 * Actions between real processes (issue 20): a hub, an agent with a real
 * action file and pinned operator key, and real containers on the real
 * Docker daemon. An allowed restart of a matching container restarts it (its
 * start time changes) and is audited on the hub and in the agent's local log;
 * every refusal — an action not in the file, a container outside the
 * pattern, a grant by another key, expired, replayed, a parameter of the
 * wrong type, and a request the hub makes with its own secret and database
 * but no operator key — is refused, audited on both sides, and changes
 * nothing. A file anyone but root may write is refused with the reason.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import {
  encodeGrant,
  encodeKey,
  keyFingerprint,
  type Params,
  paramsHash,
  signGrant,
} from "../lib/actions/grant.ts";
import { call, enroll, openHubStore, type Owned, startAgent, startHub } from "./harness.ts";
import { DOCKER_SOCKET, dockerOk, dockerTest, runContainer } from "./docker.ts";
import { fileURLToPath } from "node:url";
import { Channel } from "../agent/grpc.ts";
import { encodeAgent } from "../agent/wire.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import type { ActionResponse } from "../proto/gen/sightline/agent/v1/agent_lean.ts";
import { probeHello, probeStream } from "./probe.ts";

const ACTIONS = `
[[container]]
name = "restart-web"
match = "sl-act-p-web-*"

[[command]]
name = "echo-count"
argv = ["/bin/echo", "count", "{n}"]
params = { n = { type = "int", min = 1, max = 5 } }
`;

async function keyPair() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return {
    privateKey: pair.privateKey,
    text: encodeKey(raw),
    fingerprint: await keyFingerprint(raw),
  };
}

/** One REST call with an API key: status and JSON body. */

/** Runs the operator CLI; exit code and output. */
async function operatorCli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "lib/actions/operator_cli.ts", ...args],
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A container that stops at once on SIGTERM (a shell as pid 1 ignores it without a trap). */
const SERVE = 'trap "exit 0" TERM; while true; do sleep 0.2; done';

/** When the container last started (Docker's StartedAt). */
const startedAt = (name: string) => dockerOk("inspect", "-f", "{{.State.StartedAt}}", name);

const errorOf = (r: { body: Record<string, unknown> }) =>
  r.body.error as { code: string; message: string } | undefined;

dockerTest(
  "an allowed restart restarts the container and is audited on both sides; each refusal changes nothing",
  "sl-act-p-",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "sightline-actions-" });
    const owned: Owned[] = [];
    const own = <T extends Owned>(x: T): T => (owned.push(x), x);
    try {
      await body(dir, own);
    } finally {
      for (const x of owned.reverse()) await ("dispose" in x ? x.dispose() : x.stop());
      await Deno.remove(dir, { recursive: true });
    }
  },
);

async function body(dir: string, own: <T extends Owned>(x: T) => T) {
  const tag = crypto.randomUUID().slice(0, 8);
  const web = `sl-act-p-web-${tag}`, db = `sl-act-p-db-${tag}`;
  await Promise.all([runContainer(web, SERVE), runContainer(db, SERVE)]);

  await Deno.mkdir(`${dir}/etc`, { mode: 0o755 });
  const actionsFile = `${dir}/etc/actions.toml`;
  await Deno.writeTextFile(actionsFile, ACTIONS, { mode: 0o644 });
  const operator = await keyPair();
  // A second admin signs from the operator CLI (lib/actions/operator_cli.ts), with a key file.
  const made = await operatorCli(["keygen", `${dir}/cli.key`]);
  assertEquals(made.code, 0, made.stderr);
  const cliKey = made.stdout.trim().split("\n").at(-1)!;
  await Deno.writeTextFile(
    `${dir}/etc/operator.pub`,
    `${operator.text} test operator\n${cliKey} cli operator\n`,
    { mode: 0o644 },
  );

  const hub = own(await startHub(`${dir}/hub`));
  const { key, identity } = await enroll(hub, `${dir}/agent`, "act-1");
  const agent = own(startAgent(`${dir}/agent`, 5, {
    SIGHTLINE_AGENT_ACTIONS_FILE: actionsFile,
    SIGHTLINE_AGENT_OPERATOR_KEY_FILE: `${dir}/etc/operator.pub`,
    DOCKER_HOST: DOCKER_SOCKET,
  }));
  await agent.waitForLine(/Connected to hub/);
  const hostId = identity.agentId;
  const path = `/api/v1/hosts/${hostId}/actions`;

  const list = await call(hub, key, "GET", path);
  assertEquals(list.status, 200, JSON.stringify(list.body));
  assertEquals((list.body.actions as Array<{ name: string }>).map((a) => a.name), [
    "restart-web",
    "echo-count",
  ]);
  assertEquals((list.body.operator_keys as string[]).length, 2);
  assertEquals((list.body.operator_keys as string[])[0], operator.fingerprint);
  assertEquals(list.body.problem, "");

  const signed = async (
    action: string,
    params: Params,
    signer = operator.privateKey,
    at = Date.now(),
    ttl = 30_000,
  ) => ({
    action,
    params,
    ...await signGrant(signer, { agent: hostId, action, params }, at, ttl),
  });

  // The allowed restart.
  const before = { web: await startedAt(web), db: await startedAt(db) };
  const good = await signed("restart-web", { container: web });
  const ran = await call(hub, key, "POST", path, good);
  assertEquals(ran.status, 200, JSON.stringify(ran.body));
  assertEquals(ran.body.exit_code, 0);
  assert(typeof ran.body.duration_ms === "number" && ran.body.duration_ms > 0);
  const restarted = await startedAt(web);
  assert(restarted > before.web, `start time ${before.web} → ${restarted}`);

  // A command with a typed parameter (fixed argv, the value one whole argument), from the CLI.
  const echoed = await operatorCli(
    ["run", "--hub", hub.http, "--key", `${dir}/cli.key`, "--host", hostId, "echo-count", "n=3"],
    { SIGHTLINE_API_KEY: key },
  );
  assertEquals([echoed.code, echoed.stdout], [0, "count 3\n"], echoed.stderr);

  // The hub holds its secret and its database, not the operator key: the best it
  // can do is a grant of its own writing, "signed" with what it has.
  const secret = new TextEncoder().encode(await Deno.readTextFile(`${dir}/hub/hub.secret`));
  const forgedGrant = encodeGrant({
    v: 1,
    agent: hostId,
    action: "restart-web",
    params: await paramsHash({ container: web }),
    nonce: "forged-by-hub",
    iat: Date.now(),
    exp: Date.now() + 30_000,
  });
  const hmac = await crypto.subtle.importKey(
    "raw",
    secret,
    { name: "HMAC", hash: "SHA-512" },
    false,
    [
      "sign",
    ],
  );
  const forgedSig = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, forgedGrant));
  const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

  const other = await keyPair();
  const refusals: Array<[string, unknown, RegExp]> = [
    ["not in the file", await signed("reboot", {}), /no action "reboot"/],
    [
      "outside the pattern",
      await signed("restart-web", { container: db }),
      /container must match sl-act-p-web-\*/,
    ],
    [
      "another key",
      await signed("restart-web", { container: web }, other.privateKey),
      /not signed by an operator key pinned/,
    ],
    [
      "expired",
      await signed("restart-web", { container: web }, operator.privateKey, Date.now() - 40_000),
      /expired/,
    ],
    ["replayed", good, /used before \(replayed\)/],
    ["wrong type", await signed("echo-count", { n: "3; reboot" }), /n must be an integer/],
    [
      "the hub's secret, no operator key",
      {
        action: "restart-web",
        params: { container: web },
        grant: b64(forgedGrant),
        signature: b64(forgedSig),
      },
      /not signed by an operator key pinned/,
    ],
  ];
  for (const [what, body, reason] of refusals) {
    const r = await call(hub, key, "POST", path, body);
    assertEquals([r.status, errorOf(r)?.code], [403, "action_refused"], what);
    assert(reason.test(errorOf(r)!.message), `${what}: ${errorOf(r)!.message}`);
  }
  // Without a grant at all the hub does not even ask.
  const bare = await call(hub, key, "POST", path, {
    action: "restart-web",
    params: { container: web },
  });
  assertEquals([bare.status, errorOf(bare)?.code], [400, "invalid_action"]);
  assertEquals(
    { web: await startedAt(web), db: await startedAt(db) },
    { web: restarted, db: before.db },
    "no refusal restarted anything",
  );

  // A file anyone but root may write is refused whole, and said to be.
  await Deno.chmod(actionsFile, 0o666);
  const loose = await call(hub, key, "GET", path);
  assertEquals(loose.body.actions, []);
  assert(
    /writable by group or others/.test(String(loose.body.problem)),
    String(loose.body.problem),
  );
  const refusedFile = await call(
    hub,
    key,
    "POST",
    path,
    await signed("restart-web", { container: web }),
  );
  assert(
    /action file is refused/.test(errorOf(refusedFile)!.message),
    errorOf(refusedFile)!.message,
  );
  assertEquals(await startedAt(web), restarted);

  // Audited on the hub: each request before it left, and what became of it.
  const store = openHubStore(hub);
  const audit = (await store.audit.list(100)).filter((e) => e.action.startsWith("action."));
  await store.close();
  const count = (a: string) => audit.filter((e) => e.action === a).length;
  assertEquals(
    [count("action.request"), count("action.ran"), count("action.refused")],
    [2 + refusals.length + 1, 2, refusals.length + 1],
    JSON.stringify(audit),
  );
  assert(audit.every((e) => e.target_id === hostId && e.actor === "apikey:test"));
  assert(
    audit.some((e) => e.action === "action.refused" && e.detail.includes("replayed")),
    "the replay is in the audit log",
  );

  // And on the host, in the agent's own log.
  const local = (await Deno.readTextFile(`${dir}/agent/actions.log`)).trim().split("\n").map((
    l,
  ) => JSON.parse(l));
  assertEquals(local.length, 2 + refusals.length + 1);
  assertEquals(local[0].action, "restart-web");
  assertEquals([local[0].exit_code, local[0].key], [0, operator.fingerprint]);
  assertEquals(local.filter((e) => e.refused).length, refusals.length + 1);
  assert(local.some((e) => /replayed/.test(e.refused ?? "")));

  // An agent's answer is input like any other: past its limits it is a 502, never shown.
  const raw = await enroll(hub, `${dir}/raw`, "act-raw");
  const channel = new Channel(hub.grpc, { serverName: HUB_TLS_NAME, caPem: raw.identity.caPem });
  const answerWith = async (
    outcome: ActionResponse["outcome"],
    method: string,
    body?: unknown,
  ) => {
    let welcomed: () => void;
    const ready = new Promise<void>((r) => (welcomed = r));
    const stream = probeStream(channel, raw.identity, probeHello("raw", 30), (kind, c) => {
      if (kind.case === "welcome") welcomed();
      if (kind.case === "request") {
        c.write(encodeAgent({
          case: "response",
          value: { id: kind.value.id, result: { case: "action", value: { outcome } } },
        }));
      }
    });
    await ready;
    const r = await call(hub, key, method, `/api/v1/hosts/${raw.identity.agentId}/actions`, body);
    stream.cancel();
    return [r.status, errorOf(r)?.code];
  };
  const spec = { name: "x", kind: "shell", description: "", params: [] };
  assertEquals(
    await answerWith(
      { case: "list", value: { actions: [spec], operatorKeys: [], problem: "" } },
      "GET",
    ),
    [502, "agent_invalid_answer"],
  );
  const huge = {
    refused: "",
    exitCode: 0,
    output: "x".repeat(70_000),
    outputTruncated: false,
    durationMs: 1,
  };
  const rawGrant = await signGrant(operator.privateKey, {
    agent: raw.identity.agentId,
    action: "a",
    params: {},
  });
  assertEquals(
    await answerWith({ case: "result", value: huge }, "POST", {
      action: "a",
      params: {},
      ...rawGrant,
    }),
    [502, "agent_invalid_answer"],
  );
  await channel.close();
}
