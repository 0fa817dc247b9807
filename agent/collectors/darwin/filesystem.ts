/** macOS volumes from `df -k -P`. */
import { defineCollector } from "../registry.ts";
import { parseDf } from "./parse.ts";
import { run } from "./run.ts";

defineCollector({
  name: "filesystem",
  os: "darwin",
  init: () => async (_ctx, out) => {
    out.filesystems.push(...parseDf(await run("df", "-k", "-P")));
  },
});
