/**
 * `deno task dev`: builds the browser assets, runs the hub, and on every
 * change to the code rebuilds and restarts it. Reload the page to see it.
 */
import { fileURLToPath } from "node:url";
import { buildAssets } from "./hub/build.ts";

const ROOT = fileURLToPath(new URL("./", import.meta.url));
const WATCH = ["main.ts", "hub", "routes", "islands", "components", "lib", "static/app.css", "sql"];

let hub: Deno.ChildProcess | null = null;

async function restart() {
  if (hub) {
    hub.kill("SIGTERM");
    await hub.status;
  }
  try {
    await buildAssets();
  } catch (err) {
    console.error((err as Error).message);
  }
  hub = new Deno.Command(Deno.execPath(), { args: ["run", "--allow-all", "main.ts"], cwd: ROOT })
    .spawn();
}

await restart();
let timer: ReturnType<typeof setTimeout> | undefined;
for await (const event of Deno.watchFs(WATCH.map((p) => `${ROOT}${p}`))) {
  if (event.paths.every((p) => p.includes("/static/islands/"))) continue;
  clearTimeout(timer);
  timer = setTimeout(() => void restart(), 200);
}
