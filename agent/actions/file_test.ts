/**
 * The action file: what it may declare (typed parameters only, fixed argv,
 * whole-argument placeholders), what it is refused for (with the fault
 * named), and the ownership check that keeps anyone but root from widening it.
 */
import { assert, assertEquals } from "../../lib/assert.ts";
import { checkParam, globMatch, loadActions, loadKeys, parseActions } from "./file.ts";
import { encodeKey } from "../../lib/actions/grant.ts";

const GOOD = `
[[container]]
name = "restart-web"
match = "web-*"

[[container]]
name = "stop-db"
verb = "stop"
labels = { "com.example.role" = "db" }

[[unit]]
name = "restart-nginx"
unit = "nginx.service"

[[command]]
name = "rotate"
argv = ["/usr/sbin/logrotate", "--count", "{count}", "{conf}"]
timeout_s = 10
params = { count = { type = "int", min = 1, max = 9 }, conf = { type = "enum", values = ["/etc/a.conf", "/etc/b.conf"] } }
`;

Deno.test("an action file declares container, unit and command actions with typed parameters", () => {
  const actions = parseActions(GOOD);
  assertEquals([...actions.keys()], ["restart-web", "stop-db", "restart-nginx", "rotate"]);
  const web = actions.get("restart-web")!;
  assert(web.kind === "container");
  assertEquals([web.verb, web.match, web.params], ["restart", "web-*", [
    { name: "container", type: "name", pattern: "web-*" },
  ]]);
  const db = actions.get("stop-db")!;
  assert(db.kind === "container");
  assertEquals([db.verb, db.labels], ["stop", { "com.example.role": "db" }]);
  const rotate = actions.get("rotate")!;
  assert(rotate.kind === "command");
  assertEquals(rotate.timeoutS, 10);
  assertEquals(rotate.params.map((p) => p.type).sort(), ["enum", "int"]);
  assertEquals(parseActions("").size, 0);
});

/** The message parseActions throws for `text`. */
function refusal(text: string): string {
  try {
    parseActions(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`accepted: ${text}`);
}

Deno.test("an action file is refused whole, naming the fault", () => {
  const cases: Array<[string, RegExp]> = [
    ["[[container]\nname=", /not TOML/],
    ['[[container]]\nname = "a"\nmatch = "x"\nshell = true', /unknown key "shell"/],
    ['[[container]]\nname = "a"', /needs a match/],
    ['[[container]]\nname = "a"\nmatch = "x"\nverb = "rm"', /"restart", "stop" or "start"/],
    ['[[container]]\nname = "a"\nmatch = "x;rm"', /not allowed here/],
    ['[[unit]]\nname = "u"\nunit = "--all"', /not allowed here/],
    ['[[command]]\nname = "c"\nargv = ["ls"]', /absolute path/],
    [
      '[[command]]\nname = "c"\nargv = ["/bin/echo", "x{v}"]\nparams = { v = { type = "int", min = 0, max = 1 } }',
      /whole argument/,
    ],
    ['[[command]]\nname = "c"\nargv = ["/bin/echo", "{v}"]', /not a declared parameter/],
    [
      '[[command]]\nname = "c"\nargv = ["/bin/echo", "{v}"]\nparams = { v = { type = "text" } }',
      /free text is never allowed/,
    ],
    [
      '[[command]]\nname = "c"\nargv = ["/bin/echo"]\nparams = { v = { type = "int", min = 0, max = 1 } }',
      /declared but not in argv/,
    ],
    [
      '[[command]]\nname = "c"\nargv = ["/bin/echo", "{v}"]\nparams = { v = { type = "int", min = 5, max = 1 } }',
      /min is above max/,
    ],
    ['[[command]]\nname = "c"\nargv = ["/bin/true"]\ntimeout_s = 600', /1 to 55/],
    ['[[unit]]\nname = "x"\nunit = "a.service"\n[[unit]]\nname = "x"\nunit = "b.service"', /twice/],
    ['[[unit]]\nname = "Bad Name"\nunit = "a.service"', /not allowed here/],
    ['[command]\nname = "c"', /array of tables/],
  ];
  for (const [text, re] of cases) {
    const message = refusal(text);
    assert(re.test(message), `${JSON.stringify(text)}: ${message}`);
  }
});

Deno.test("a parameter is checked against its type: int range, enum member, name glob", () => {
  const int = { name: "n", type: "int" as const, min: 1, max: 9 };
  assertEquals(checkParam(int, "5"), null);
  for (const bad of ["0", "10", "5.5", "five", "", " 5", "1e1"]) {
    assert(checkParam(int, bad) !== null, bad);
  }
  const e = { name: "e", type: "enum" as const, values: ["a", "b"] };
  assertEquals([checkParam(e, "a"), checkParam(e, "c") !== null], [null, true]);
  const name = { name: "c", type: "name" as const, pattern: "web-*" };
  assertEquals(checkParam(name, "web-1"), null);
  for (const bad of ["db-1", "web-1/../x", "-web-", "web 1", "web-1;rm"]) {
    assert(checkParam(name, bad) !== null, bad);
  }
  assert(checkParam(name, undefined)!.includes("missing"));
  assert(globMatch("a?c*", "abcdef") && !globMatch("a?c", "abcd") && globMatch("x.y", "x.y"));
  assert(!globMatch("x.y", "xzy"), "a dot is a dot");
});

Deno.test({
  name: "the action file and key file are read only when owned by root and writable by root alone",
  ignore: Deno.uid() !== 0,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-actions-" });
    try {
      const path = `${dir}/actions.toml`;
      assertEquals(await loadActions(path), { actions: new Map(), problem: "" }, "absent: none");
      await Deno.writeTextFile(path, GOOD, { mode: 0o644 });
      await Deno.chmod(path, 0o644);
      assertEquals((await loadActions(path)).actions.size, 4);

      await Deno.chmod(path, 0o664);
      let r = await loadActions(path);
      assertEquals(r.actions.size, 0);
      assert(/writable by group or others \(mode 664\)/.test(r.problem), r.problem);
      await Deno.chmod(path, 0o644);

      await Deno.chown(path, 65534, 65534);
      r = await loadActions(path);
      assert(/owned by uid 65534, not root/.test(r.problem), r.problem);
      await Deno.chown(path, 0, 0);

      await Deno.chmod(dir, 0o777);
      r = await loadActions(path);
      assert(/its directory .* is writable/.test(r.problem), r.problem);
      await Deno.chmod(dir, 0o700);

      await Deno.writeTextFile(path, '[[unit]]\nname = 1\nunit = "a.service"\n');
      r = await loadActions(path);
      assertEquals(r.actions.size, 0);
      assert(r.problem.includes("unit[0].name"), r.problem);

      const keys = `${dir}/operator.pub`;
      const raw = crypto.getRandomValues(new Uint8Array(32));
      await Deno.writeTextFile(keys, `# alice's browser\n${encodeKey(raw)} alice\n`, {
        mode: 0o644,
      });
      const pinned = await loadKeys(keys, undefined);
      assertEquals([pinned.keys, pinned.problem], [[raw], ""]);
      await Deno.chown(keys, 65534, 65534);
      const refused = await loadKeys(keys, encodeKey(raw));
      assertEquals(refused.keys, [raw], "the environment's key stands; the file's does not");
      assert(refused.problem.includes("not root"), refused.problem);
      await Deno.chown(keys, 0, 0);
      await Deno.writeTextFile(keys, "ssh-ed25519 AAAA\n");
      assert((await loadKeys(keys, "")).problem.includes("line 1"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
