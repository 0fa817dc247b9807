/**
 * Notification delivery between real processes: a receiver that fails
 * three times and then answers gets each notification once, and a resolve
 * queued while its fire was failing arrives after it; a hub killed with
 * notifications still undelivered sends them after its restart, none twice.
 */
import { assertEquals } from "../lib/assert.ts";
import { enroll, processTest, startAgent, startHub, until } from "./harness.ts";
import { FakeProc, MEMORY_RULE, ok, onlyTheTestsRules, Receiver } from "./alerts_harness.ts";

interface AlertDetail {
  id: number;
  notifications: Array<{ kind: string; state: string; attempts: Array<{ status: number | null }> }>;
}

processTest(
  "a receiver failing three times gets the fire once, then the resolve queued meanwhile",
  async (t) => {
    const receiver = t.own(new Receiver());
    const hub = t.own(await startHub(`${t.dir}/hub`));
    const proc = await FakeProc.make(`${t.dir}/proc`);
    const { key } = await enroll(hub, `${t.dir}/agent`, "web-1");
    await onlyTheTestsRules(hub, key, receiver);
    await ok(hub, key, "POST", "/api/v1/alert-rules", { ...MEMORY_RULE, for_s: 0 });
    receiver.failNext = 3;
    receiver.retryAfterS = 1;
    t.own(startAgent(`${t.dir}/agent`, 1, proc.env));
    await proc.memory(95);
    await until("the first failed try", () => receiver.answered.length >= 1, 30_000);
    await proc.memory(40); // resolves while the fire is still being retried
    await receiver.waitFor("resolved", 1, 30_000);
    assertEquals(receiver.kinds(), ["firing", "resolved"]);
    assertEquals(receiver.answered, [500, 500, 500, 200, 200]);
    const [alert] = await ok<Array<{ id: number }>>(
      hub,
      key,
      "GET",
      "/api/v1/alerts?state=resolved",
    );
    const detail = await ok<AlertDetail>(hub, key, "GET", `/api/v1/alerts/${alert.id}`);
    assertEquals(
      detail.notifications.map((n) => [n.kind, n.state, n.attempts.map((a) => a.status)]),
      [
        ["firing", "sent", [500, 500, 500, 200]],
        ["resolved", "sent", [200]],
      ],
    );
  },
);

processTest(
  "a hub killed with undelivered notifications sends them after its restart, none twice",
  async (t) => {
    const receiver = t.own(new Receiver());
    let hub = await startHub(`${t.dir}/hub`);
    t.own({ dispose: () => hub.dispose() });
    const proc = await FakeProc.make(`${t.dir}/proc`);
    const { key } = await enroll(hub, `${t.dir}/agent`, "web-1");
    await onlyTheTestsRules(hub, key, receiver);
    await ok(hub, key, "POST", "/api/v1/alert-rules", { ...MEMORY_RULE, for_s: 0 });
    receiver.failWith = 503;
    receiver.retryAfterS = 2;
    t.own(startAgent(`${t.dir}/agent`, 1, proc.env));
    await proc.memory(95);
    await until("a failed try", () => receiver.answered.length >= 1, 30_000);
    await hub.proc.stop("SIGKILL");
    receiver.failWith = null;
    hub = await startHub(`${t.dir}/hub`, hub.ports);
    const fired = await receiver.waitFor("firing", 1, 30_000);
    await proc.memory(40);
    await receiver.waitFor("resolved", 1, 30_000);
    assertEquals(receiver.kinds(), ["firing", "resolved"]);
    const detail = await ok<AlertDetail>(hub, key, "GET", `/api/v1/alerts/${fired.alerts[0].id}`);
    assertEquals(detail.notifications.map((n) => [n.kind, n.state]), [
      ["firing", "sent"],
      ["resolved", "sent"],
    ]);
  },
);
