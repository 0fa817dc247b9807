import { assertEquals, assertThrows } from "../../lib/assert.ts";
import { fileURLToPath } from "node:url";
import { collect, collectorsFor } from "./mod.ts";
import { defineCollector } from "./registry.ts";

const PROC = fileURLToPath(new URL("testdata/linux/proc", import.meta.url));
const PROC2 = fileURLToPath(new URL("testdata/linux2/proc", import.meta.url));
const SYS = fileURLToPath(new URL("testdata/linux/sys", import.meta.url));

const names = (os: string, env: Parameters<typeof collectorsFor>[1]) =>
  collectorsFor(os, env).map((c) => c.name);

Deno.test("collectorsFor() lists each OS's collectors, temperatures left out in a container", () => {
  const linux = ["cpu", "memory", "load", "uptime", "filesystem", "disk", "net"];
  assertEquals(names("linux", "vm"), [...linux, "temperature"]);
  assertEquals(names("linux", "physical"), [...linux, "temperature"]);
  assertEquals(names("linux", "container"), linux);
  assertEquals(names("darwin", "physical"), ["cpu", "system", "filesystem", "net"]);
  assertEquals(names("windows", "unknown"), []);
});

Deno.test("collectorsFor() gives each caller collectors with their own baselines", async () => {
  const roots = { procRoot: PROC, sysRoot: SYS };
  const a = collectorsFor("linux", "vm");
  await collect(a, roots, 0);
  // A second set starts from nothing: its first cycle is a baseline too, with no CPU figure.
  const b = collectorsFor("linux", "vm");
  const fresh = await collect(b, { procRoot: PROC2, sysRoot: SYS }, 0);
  assertEquals(fresh.cpu, undefined);
  const second = await collect(a, { procRoot: PROC2, sysRoot: SYS }, 10);
  assertEquals(second.cpu?.cores, 2);
});

Deno.test("defineCollector() refuses a name its OS already has", () => {
  assertThrows(
    () => defineCollector({ name: "cpu", os: "linux", init: () => () => Promise.resolve() }),
    Error,
    "defined twice",
  );
  assertEquals(names("linux", "container").filter((n) => n === "cpu"), ["cpu"]);
});
