import { assertEquals } from "../../lib/assert.ts";
import { HeartbeatCache } from "./cache.ts";

Deno.test("HeartbeatCache reports online on connect and nothing on later heartbeats", () => {
  const c = new HeartbeatCache();
  assertEquals(c.connected("h1", 1, 1000, 0), {
    hostId: "h1",
    status: "online",
    lastSeen: 1000,
    pendingBatches: 0,
  });
  assertEquals(c.heartbeat("h1", 1, 6000, 0, 3), null);
  assertEquals(c.snapshot(), [{
    hostId: "h1",
    status: "online",
    lastSeen: 6000,
    pendingBatches: 3,
  }]);
});

Deno.test("HeartbeatCache.sweep() marks a host offline after the quiet period only", () => {
  const c = new HeartbeatCache();
  c.connected("h1", 1, 1000, 0);
  assertEquals(c.sweep(16_000, 15_000), []);
  assertEquals(c.sweep(16_001, 15_000).map((s) => s.status), ["offline"]);
  assertEquals(c.sweep(30_000, 15_000), []);
});

Deno.test("HeartbeatCache keeps a host online while any of its streams is open", () => {
  const c = new HeartbeatCache();
  c.connected("h1", 1, 1000, 0);
  c.connected("h1", 2, 2000, 0);
  assertEquals(c.disconnected("h1", 2), null);
  assertEquals(c.disconnected("h1", 1)?.status, "offline");
  assertEquals(c.disconnected("h1", 1), null);
});

Deno.test("HeartbeatCache.load() starts every host offline and flushes stale online rows", () => {
  const c = new HeartbeatCache();
  c.load([
    { id: "a", status: "online", lastSeenMs: 500, droppedBatches: 2 },
    { id: "b", status: "offline", lastSeenMs: null, droppedBatches: 0 },
  ]);
  assertEquals(c.snapshot().map((s) => s.status), ["offline", "offline"]);
  assertEquals(c.takeDirty(), [{ id: "a", status: "offline", lastSeenMs: 500, droppedBatches: 2 }]);
  assertEquals(c.takeDirty(), []);
});

Deno.test("HeartbeatCache.markDirty() puts a failed sync back", () => {
  const c = new HeartbeatCache();
  c.connected("h1", 1, 1000, 4);
  const updates = c.takeDirty();
  c.markDirty(updates.map((u) => u.id));
  assertEquals(c.takeDirty(), updates);
});
