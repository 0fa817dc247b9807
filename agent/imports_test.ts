import { fileURLToPath } from "node:url";
import { assert } from "../lib/assert.ts";

Deno.test("the agent loads neither protobuf-es's reflection schema nor the version-order libraries", async () => {
  // Each would cost the agent megabytes resident for code it never runs (docs/architecture.md).
  const main = fileURLToPath(new URL("./main.ts", import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", main] }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const modules: string[] = JSON.parse(new TextDecoder().decode(out.stdout)).modules
    .map((m: { specifier: string }) => m.specifier);
  assert(
    modules.some((m) => m.endsWith("/agent/packages/updates/apt.ts")),
    "not the agent's graph",
  );
  const unwanted = modules.filter((m) =>
    m.endsWith("/agent_pb.ts") || m.endsWith("/lib/packages/versions.ts") || /semver|pep440/.test(m)
  );
  assert(unwanted.length === 0, `the agent imports ${unwanted.join(", ")}`);
});
