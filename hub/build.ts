/**
 * Builds the browser assets into static/ (never committed): the islands
 * bundle (`deno bundle --platform browser`, minified) and uPlot's stylesheet.
 * `deno task build` runs it; `deno task start` and `deno task dev` run it first.
 */
import { fileURLToPath } from "node:url";

const ROOT = new URL("../", import.meta.url);
const path = (p: string) => fileURLToPath(new URL(p, ROOT));

/** Bundles the islands; throws with deno bundle's output when it fails. */
export async function buildAssets(): Promise<void> {
  await Deno.mkdir(path("static/islands"), { recursive: true });
  await Deno.mkdir(path("static/vendor"), { recursive: true });
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--minify",
      "--config",
      path("deno.json"),
      "--output",
      path("static/islands/mod.js"),
      path("islands/mod.ts"),
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`Cannot bundle islands:\n${new TextDecoder().decode(out.stderr)}`);
  }
  await Deno.copyFile(
    path("node_modules/uplot/dist/uPlot.min.css"),
    path("static/vendor/uplot.css"),
  );
}

if (import.meta.main) {
  try {
    await buildAssets();
    const size = (await Deno.stat(path("static/islands/mod.js"))).size;
    console.log(`Built static/islands/mod.js (${Math.round(size / 1024)} KiB)`);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(1);
  }
}
