import { assert, assertEquals } from "../../lib/assert.ts";
import { until } from "../../tests/harness.ts";
import { logger } from "../../lib/log.ts";
import { startDeadman } from "./deadman.ts";

Deno.test("the dead-man's switch is called at start and then on every interval, until stopped", async () => {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen.push(`${req.method} ${new URL(req.url).pathname}`);
    return new Response("OK");
  });
  const d = startDeadman(`http://127.0.0.1:${server.addr.port}/ping/abc`, logger("test"), {
    everyMs: 100,
  });
  try {
    await until("three pings", () => seen.length >= 3, 5000);
    assertEquals(seen[0], "GET /ping/abc");
  } finally {
    await d.stop();
  }
  const after = seen.length;
  await server.shutdown();
  assert(seen.length <= after + 1, "none after stop");
});
