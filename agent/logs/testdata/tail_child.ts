/**
 * A log reader alone in its own process, for the SIGKILL test: polls the
 * file source given on the command line into the WAL until it is killed.
 * Usage: tail_child.ts WAL_PATH PATTERN ALLOW
 */
import { logger } from "../../../lib/log.ts";
import { Wal } from "../../wal.ts";
import { AllowList } from "../allow.ts";
import { LogReader } from "../reader.ts";

const [walPath, pattern, allow] = Deno.args;
const wal = await Wal.open(walPath);
const reader = new LogReader({
  wal,
  sources: () => [{ id: "s1", path: pattern }],
  allow: new AllowList(allow),
  log: logger("tail_child"),
  rateLinesPerS: 1e9,
  rotatedIdleMs: 0,
});
console.log("ready");
for (;;) {
  await reader.poll();
  await new Promise((r) => setTimeout(r, 2));
}
