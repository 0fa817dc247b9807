/**
 * `deno task bench [NAME] [--full]`: runs one benchmark or all, quick by
 * default. Each prints its figures against a baseline measured in the same
 * run, writes JSON under bench/results/, and ends with its headline line.
 */
import { parseArgs } from "node:util";

const BENCHES: Record<
  string,
  () => Promise<{ run(o: { full: boolean }): Promise<{ headline: string; data: unknown }> }>
> = {
  ingest: () => import("./ingest.ts"),
  agent: () => import("./agent.ts"),
  history: () => import("./history.ts"),
  fleet: () => import("./fleet.ts"),
  churn: () => import("./churn.ts"),
  alerts: () => import("./alerts.ts"),
  "alerts-engine": () => import("./alerts_engine.ts"),
  packages: () => import("./packages.ts"),
  logs: () => import("./logs.ts"),
};

const { positionals, values } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { full: { type: "boolean" } },
});
const names = positionals.length ? positionals : Object.keys(BENCHES);
for (const name of names) {
  if (!BENCHES[name]) {
    console.error(`Unknown bench: ${name} (have: ${Object.keys(BENCHES).join(", ")})`);
    Deno.exit(2);
  }
}
const dir = new URL("./results/", import.meta.url);
await Deno.mkdir(dir, { recursive: true });
for (const name of names) {
  const { run } = await BENCHES[name]();
  const { headline, data } = await run({ full: values.full ?? false });
  const machine = {
    cores: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    os: Deno.build.os,
  };
  await Deno.writeTextFile(
    new URL(`${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`, dir),
    JSON.stringify({ name, full: values.full ?? false, machine, headline, data }, null, 2),
  );
  console.log(headline);
}
