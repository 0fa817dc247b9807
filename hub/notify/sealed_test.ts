import { assert, assertEquals } from "../../lib/assert.ts";
import { Sealer } from "./sealed.ts";

Deno.test("channel secrets open only with the hub secret and for the channel they were sealed for", async () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const s = await Sealer.of(key);
  const sealed = await s.seal("c1", { url: "https://hooks.slack.com/services/T/B/secret" });
  assert(sealed.startsWith("v1.") && !sealed.includes("secret"), sealed);
  assertEquals(await s.open("c1", sealed), { url: "https://hooks.slack.com/services/T/B/secret" });
  assert(sealed !== await s.seal("c1", { url: "https://hooks.slack.com/services/T/B/secret" }));
  const moved = await s.open("c2", sealed).then(() => "opened", (e) => e.message);
  assert(moved.includes("another hub secret"), moved);
  const other = await Sealer.of(crypto.getRandomValues(new Uint8Array(32)));
  assert((await other.open("c1", sealed).then(() => "opened", (e) => e.message)) !== "opened");
});
