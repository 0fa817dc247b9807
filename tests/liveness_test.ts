/**
 * Liveness as a user sees it: a host whose agent stops sending heartbeats
 * (frozen, network gone, but the connection still open) turns offline after
 * the quiet period, and online again the moment it speaks.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import {
  api,
  enroll,
  EventStream,
  hubCli,
  processTest,
  signIn,
  startAgent,
  startHub,
} from "./harness.ts";

processTest(
  "a host that stops sending heartbeats goes offline, and online when it resumes",
  async ({ dir, own }) => {
    const hub = own(await startHub(`${dir}/hub`, undefined, { SIGHTLINE_OFFLINE_AFTER: "2" }));
    let agent: ReturnType<typeof startAgent> | null = null;
    own({
      async stop() {
        agent?.signal("SIGCONT");
        await agent?.stop();
      },
    });
    const { key } = await enroll(hub, `${dir}/agent`);
    const sse = new EventStream(`${hub.http}/api/v1/events`, key);
    agent = startAgent(`${dir}/agent`, 30, { SIGHTLINE_AGENT_HEARTBEAT: "1" });
    const status = (s: string) => (e: { event: string; data: Record<string, unknown> }) =>
      e.event === "host.status" && e.data.status === s;
    await sse.waitFor("online", status("online"));

    const mark = sse.events.length;
    agent.signal("SIGSTOP");
    const stoppedAt = Date.now();
    const offline = await sse.waitFor("offline", status("offline"), 10_000, mark);
    assert(Date.now() - stoppedAt >= 1000, "not offline before the quiet period");
    const hosts = await api<Array<{ status: string; last_seen: string }>>(
      hub,
      key,
      "/api/v1/hosts",
    );
    assertEquals(hosts[0].status, "offline");
    assertEquals(hosts[0].last_seen, offline.data.last_seen);

    const seen = sse.events.length;
    agent.signal("SIGCONT");
    await sse.waitFor("online again", status("online"), 15_000, seen);
    await sse.close();
  },
);

processTest("removing a host locks its agent out and tells the agent why", async ({ dir, own }) => {
  const hub = own(await startHub(`${dir}/hub`));
  const { key, identity } = await enroll(hub, `${dir}/agent`);
  assertEquals(
    (await hubCli(hub, "user", "add", "ann", { stdin: "a long passphrase\n" })).code,
    0,
  );
  const sse = new EventStream(`${hub.http}/api/v1/events`, key);
  const agent = own(startAgent(`${dir}/agent`, 30));
  const isOnline = (e: { event: string; data: Record<string, unknown> }) =>
    e.event === "host.status" && e.data.status === "online";
  await sse.waitFor("online", isOnline);

  const cookie = await signIn(hub, "ann", "a long passphrase");
  const removed = await fetch(`${hub.http}/hosts/${identity.agentId}/delete`, {
    method: "POST",
    headers: { origin: hub.http, cookie },
    redirect: "manual",
  });
  assertEquals(removed.status, 303);
  await removed.body?.cancel();

  await agent.waitForLine(/refused this agent's credentials/, 15_000);
  // Said once, then a long wait, not a retry (and an error) every few seconds.
  const [, wait] = await agent.waitForLine(/Reconnecting in_ms=(\d+)/, 5_000);
  assert(Number(wait) >= 9 * 60_000, `waits ${wait} ms`);
  assertEquals(agent.lines.filter((l) => /refused this agent's credentials/.test(l)).length, 1);
  const hosts = await api<unknown[]>(hub, key, "/api/v1/hosts");
  assertEquals(hosts, []);
  await sse.close();
});
