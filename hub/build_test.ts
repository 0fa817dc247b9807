import { gzipSync } from "node:zlib";
import { assert } from "../lib/assert.ts";

Deno.test("the islands bundle a page loads stays under 100 KB gzipped", async () => {
  // `deno task test` builds it first.
  const js = await Deno.readFile(new URL("../static/islands/mod.js", import.meta.url));
  const gz = gzipSync(js).length;
  assert(gz <= 100 * 1024, `islands bundle is ${Math.round(gz / 1024)} KB gzipped`);
});
