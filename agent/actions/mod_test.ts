/**
 * The agent running commands its action file names, as real processes: the
 * output (stdout and stderr, cut at 64 KiB), a command killed at its timeout,
 * one that leaves a daemon holding its stdout, and a line in the local log
 * for each run and each refusal.
 */
import { assert, assertEquals } from "../../lib/assert.ts";
import { encodeKey, fromBase64, keyFingerprint, signGrant } from "../../lib/actions/grant.ts";
import { logger } from "../../lib/log.ts";
import { AgentActions, OUTPUT_LIMIT } from "./mod.ts";

const FILE = `
[[command]]
name = "both"
argv = ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"]

[[command]]
name = "zeros"
argv = ["/usr/bin/head", "-c", "{n}", "/dev/zero"]
params = { n = { type = "int", min = 1, max = 1000000 } }

[[command]]
name = "hang"
argv = ["/bin/sleep", "30"]
timeout_s = 1

[[command]]
name = "daemon"
argv = ["/bin/sh", "-c", "echo started; sleep 20 &"]
`;

Deno.test({
  name: "commands run with their fixed argv: output, exit status, timeout, daemons, local log",
  ignore: Deno.build.os !== "linux" || Deno.uid() !== 0,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-run-" });
    const kv = await Deno.openKv(`${dir}/kv`);
    try {
      await Deno.writeTextFile(`${dir}/actions.toml`, FILE, { mode: 0o644 });
      const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, [
        "sign",
        "verify",
      ]) as CryptoKeyPair;
      const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
      const actions = new AgentActions({
        agentId: "agent-1",
        actionsFile: `${dir}/actions.toml`,
        keysFile: `${dir}/none.pub`,
        envKeys: encodeKey(raw),
        engine: { env: {}, root: "/" },
        logFile: `${dir}/actions.log`,
        kv,
        log: logger("test"),
      });
      const run = async (action: string, params: Record<string, string> = {}) => {
        const g = await signGrant(pair.privateKey, { agent: "agent-1", action, params });
        return await actions.run({
          action,
          params: Object.entries(params).map(([name, value]) => ({ name, value })),
          grant: fromBase64(g.grant)!,
          signature: fromBase64(g.signature)!,
        });
      };

      const list = await actions.list();
      assertEquals(list.actions.map((a) => a.name), ["both", "zeros", "hang", "daemon"]);
      assertEquals(list.operatorKeys, [await keyFingerprint(raw)]);

      const both = await run("both");
      assertEquals([both.refused, both.exitCode], ["", 3]);
      assertEquals(both.output.split("\n").sort(), ["", "err", "out"]);

      const zeros = await run("zeros", { n: "70000" });
      assertEquals([zeros.output.length, zeros.outputTruncated], [OUTPUT_LIMIT, true]);
      const few = await run("zeros", { n: "10" });
      assertEquals([few.output.length, few.outputTruncated], [10, false]);

      const hang = await run("hang");
      assert(hang.exitCode !== 0, `exit ${hang.exitCode}`);
      assert(hang.output.includes("(killed after 1 s)"), hang.output);

      const daemon = await run("daemon");
      assertEquals([daemon.exitCode, daemon.output], [0, "started\n"]);
      // Answered while the daemon still runs (it lives 20 s): its open stdout held nothing back.
      assert(daemon.durationMs < 20_000, `answered after ${daemon.durationMs} ms`);

      const refused = await run("zeros", { n: "0" });
      assertEquals(refused.refused, "n must be from 1 to 1000000");

      const log = (await Deno.readTextFile(`${dir}/actions.log`)).trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      assertEquals(log.map((e) => e.action), ["both", "zeros", "zeros", "hang", "daemon", "zeros"]);
      assertEquals(log[0].exit_code, 3);
      assertEquals(log[5].refused, "n must be from 1 to 1000000");
      assert(log.every((e) => typeof e.nonce === "string"), "each names its grant's nonce");
      assertEquals((await Deno.stat(`${dir}/actions.log`)).mode! & 0o777, 0o600);
    } finally {
      kv.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
