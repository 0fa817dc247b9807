/**
 * A WAL belongs to one identity: an agent whose host was removed, holding
 * batches it could not send, is registered again as a new host; none of the
 * old batches reaches the new host.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import {
  enroll,
  hubCli,
  lastLine,
  openHubStore,
  processTest,
  registerAgent,
  startAgent,
  startHub,
  until,
} from "./harness.ts";
import { batchSeqs } from "../hub/store/testing.ts";

processTest(
  "an agent registered again drops the batches it kept for its removed host",
  async ({ dir, own }) => {
    let hub = own(await startHub(`${dir}/hub`));
    const ports = hub.ports;
    const { identity: old } = await enroll(hub, `${dir}/agent`, "old");
    // The hub is down while the agent collects: its WAL fills with the old host's batches.
    await hub.proc.stop();
    const offline = startAgent(`${dir}/agent`, 1);
    await offline.waitForLine(/Batch queued seq=4\b/, 30_000);
    await offline.stop();

    hub = own(await startHub(`${dir}/hub`, ports));
    const store = openHubStore(hub);
    try {
      assert(await store.hosts.remove(old.agentId), "the old host is removed");
      const token = lastLine((await hubCli(hub, "token", "create", "--name", "new")).stdout);
      const registeredAt = Date.now();
      const reg = await registerAgent(hub, token, `${dir}/agent`);
      assertEquals(reg.code, 0, reg.output);
      assert(
        /Discarded [4-9]\d* batches collected under the previous registration/.test(reg.output),
        reg.output,
      );
      const fresh = JSON.parse(await Deno.readTextFile(`${dir}/agent/identity.json`)).agentId;
      const agent = startAgent(`${dir}/agent`, 1);
      try {
        await until(
          "batches of the new host",
          async () => (await batchSeqs(store, fresh)).length >= 2,
          30_000,
        );
      } finally {
        await agent.stop();
      }
      const rows = await store.metrics.queryRange({
        hostIds: [fresh],
        metric: "cpu_percent",
        label: "",
        tier: "raw",
        from: 0,
        to: Date.now() + 60_000,
        stepMs: 1000,
      });
      assert(rows.length >= 1, "the new host has samples");
      for (const r of rows) {
        assert(
          r.t >= registeredAt - 1000,
          `a sample from ${new Date(r.t).toISOString()}, before the registration`,
        );
      }
      assertEquals(
        (await batchSeqs(store, fresh))[0],
        1,
        "the new host's batches are numbered from 1",
      );
    } finally {
      await store.close();
    }
  },
);
