/** The admin and agent CLIs answer bad input with a clear message and change nothing. */
import { assert, assertEquals } from "../lib/assert.ts";
import {
  dropTestDatabase,
  freePort,
  hubCli,
  hubEnv,
  lastLine,
  openHubStore,
  registerAgent,
  startAgent,
  startHub,
} from "./harness.ts";

Deno.test("hub CLI refuses a missing or oversized name and an unknown command", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sightline-cli-" });
  const hub = { env: await hubEnv(dir) };
  try {
    assertEquals((await hubCli(hub, "migrate")).code, 0);
    const noName = await hubCli(hub, "apikey", "create");
    assertEquals(noName.code, 1);
    assert(noName.stderr.includes("Missing NAME"), noName.stderr);
    const long = await hubCli(hub, "token", "create", "--name", "x".repeat(200));
    assertEquals(long.code, 1);
    assert(long.stderr.includes("Invalid --name"), long.stderr);
    const hidden = await hubCli(hub, "apikey", "create", "ci\u001b[2J");
    assertEquals(hidden.code, 1);
    assert(hidden.stderr.includes("no control, invisible"), hidden.stderr);
    const rtl = await hubCli(hub, "token", "create", "--name", "db\u202Egpj");
    assertEquals(rtl.code, 1);
    const unknown = await hubCli(hub, "frobnicate");
    assertEquals(unknown.code, 2);
    assert(unknown.stderr.includes("Unknown command"), unknown.stderr);
    const store = openHubStore(hub);
    assertEquals([await store.auth.listApiKeys(), await store.hosts.list()], [[], []]);
    await store.close();
  } finally {
    await dropTestDatabase(dir);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the hub CLI refuses a data dir that holds no hub, says which it looked at, and creates nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sightline-cli-" });
  const hub = { env: await hubEnv(`${dir}/nothing-here`) };
  try {
    for (const args of [["apikey", "create", "ci"], ["token", "create"]]) {
      const out = await hubCli(hub, ...args);
      assertEquals(out.code, 1, out.stderr);
      const sqlite = !hub.env.DATABASE_URL;
      assert(
        sqlite
          ? out.stderr.includes(`No hub in ${dir}/nothing-here`) &&
            out.stderr.includes("SIGHTLINE_DATA_DIR")
          : out.stderr.includes("No hub in the database"),
        out.stderr,
      );
      assertEquals(out.stdout.trim(), "", "no key or token printed");
    }
    if (!hub.env.DATABASE_URL) {
      assert(
        !(await Deno.stat(`${dir}/nothing-here/sightline.db`).catch(() => null)),
        "no database made",
      );
    }
  } finally {
    await dropTestDatabase(`${dir}/nothing-here`);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the CLI's host and API key creation are audited, without the secrets", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sightline-cli-" });
  const hub = { env: await hubEnv(dir) };
  try {
    assertEquals((await hubCli(hub, "migrate")).code, 0);
    const token = await hubCli(hub, "token", "create", "--name", "web-1");
    const key = await hubCli(hub, "apikey", "create", "deploy");
    assertEquals([token.code, key.code], [0, 0]);
    const store = openHubStore(hub);
    try {
      const audit = await store.audit.list(10);
      // Named by name, with the id beside it.
      assertEquals(
        audit.map((a) => [a.actor, a.action, a.target]).sort(),
        [["cli", "apikey.create", "deploy"], ["cli", "host.create", "web-1"]],
      );
      const [host] = await store.hosts.list();
      const [apiKey] = await store.auth.listApiKeys();
      assertEquals(audit.map((a) => a.target_id).sort(), [host.id, apiKey.id].sort());
      const text = JSON.stringify(audit);
      assert(
        !text.includes(lastLine(token.stdout)) && !text.includes(lastLine(key.stdout)),
        "no secret in the log",
      );
    } finally {
      await store.close();
    }
  } finally {
    await dropTestDatabase(dir);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hub user add takes the password on stdin and refuses a short one or a taken name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sightline-cli-" });
  const hub = { env: await hubEnv(dir) };
  try {
    assertEquals((await hubCli(hub, "migrate")).code, 0);
    const short = await hubCli(hub, "user", "add", "ann", { stdin: "short\n" });
    assertEquals(short.code, 1);
    assert(short.stderr.includes("at least 10 characters"), short.stderr);
    const ok = await hubCli(hub, "user", "add", "ann", "--role", "viewer", {
      stdin: "a long passphrase\n",
    });
    assertEquals([ok.code, ok.stdout.trim()], [0, "Added viewer ann"]);
    const again = await hubCli(hub, "user", "add", "ANN", { stdin: "a long passphrase\n" });
    assertEquals(again.code, 1);
    assert(again.stderr.includes("exists"), again.stderr);
    const lookalike = await hubCli(hub, "user", "add", "\u0430nn", {
      stdin: "a long passphrase\n",
    });
    assertEquals(lookalike.code, 1);
    assert(lookalike.stderr.includes("one script"), lookalike.stderr);
    const digit = await hubCli(hub, "user", "add", "a1n", { stdin: "a long passphrase\n" });
    assertEquals(digit.code, 0, "a name that only shares letters is fine");
    const like = await hubCli(hub, "user", "add", "ann.", { stdin: "a long passphrase\n" });
    assertEquals(like.code, 0);
    const same = await hubCli(hub, "user", "add", "ann_", { stdin: "a long passphrase\n" });
    assertEquals(same.code, 1, "ann_ looks like ann.");
    assert(same.stderr.includes("looks the same"), same.stderr);
    const badRole = await hubCli(hub, "user", "add", "bob", "--role", "root", {
      stdin: "a long passphrase\n",
    });
    assert(badRole.stderr.includes("Invalid --role"), badRole.stderr);
  } finally {
    await dropTestDatabase(dir);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("agent register explains a bad token, an unreachable hub and the wrong port", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sightline-cli-" });
  const hub = await startHub(`${dir}/hub`);
  try {
    const bad = await registerAgent(hub, "sl_reg_nope", `${dir}/agent`);
    assertEquals(bad.code, 1);
    assert(bad.output.includes("Cannot register agent: invalid token"), bad.output);
    const unknown = await registerAgent(hub, "sl_reg_" + "A".repeat(32), `${dir}/agent`);
    assert(unknown.output.includes("unknown token"), unknown.output);
    const nowhere = await registerAgent(
      { ...hub, grpc: `127.0.0.1:${freePort()}` },
      "sl_reg_x",
      `${dir}/agent`,
    );
    assertEquals(nowhere.code, 1);
    assert(nowhere.output.includes("Cannot register with 127.0.0.1:"), nowhere.output);
    assert(nowhere.output.includes("ECONNREFUSED"), nowhere.output);
    // The dashboard's port by mistake: plain HTTP, not the agent port's TLS.
    const dashboard = await registerAgent(
      { ...hub, grpc: `127.0.0.1:${hub.ports.http}` },
      "sl_reg_x",
      `${dir}/agent`,
    );
    assertEquals(dashboard.code, 1);
    assert(dashboard.output.includes("give the hub's agent port"), dashboard.output);
    await assertNotExists(`${dir}/agent/identity.json`);
  } finally {
    await hub.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("agent run says how to register when it has no identity", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sightline-cli-" });
  try {
    const agent = startAgent(`${dir}/agent`);
    const status = await agent.status;
    assertEquals(status.code, 1);
    assert(agent.lines.some((l) => l.includes("Not registered")), agent.lines.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function assertNotExists(path: string) {
  try {
    await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  throw new Error(`${path} exists`);
}
