/**
 * The hub's part of an action, on both stores: a request that is not one
 * (no grant, a parameter that is not text) is refused before anything is
 * asked or audited; a relayed one is audited before it leaves and after, with
 * what the agent said, or that it said nothing.
 */
import { assertEquals } from "../../lib/assert.ts";
import { base64url, encodeGrant } from "../../lib/actions/grant.ts";
import type { ActionResultAnswer, RunActionInput } from "../control/types.ts";
import { createHost } from "./hosts.ts";
import { runAction } from "./actions.ts";
import { ANN, auditRows, refusedWith, useCaseTest } from "./testing.ts";

const GRANT = base64url(encodeGrant({
  v: 1,
  agent: "a",
  action: "restart-web",
  params: "00",
  nonce: "n-1",
  iat: 1_700_000_000_000,
  exp: 1_700_000_030_000,
}));
const SIG = base64url(new Uint8Array(64));

useCaseTest(
  "an action request is checked for shape, relayed, and audited before and after",
  async (store) => {
    const { host } = await createHost({ store }, { kind: "cli" }, { name: "web-1" });
    const asked: RunActionInput[] = [];
    let answer: () => Promise<ActionResultAnswer> = () =>
      Promise.resolve({ exit_code: 0, output: "ok", output_truncated: false, duration_ms: 12.3 });
    const deps = {
      store,
      ask: (_: string, run: RunActionInput) => (asked.push(run), answer()),
    };
    const before = (await auditRows(store)).length;
    const bad: unknown[] = [
      null,
      [],
      { params: {} },
      { action: "x".repeat(65), grant: GRANT, signature: SIG },
      { action: "restart-web", params: { n: 3 }, grant: GRANT, signature: SIG },
      { action: "restart-web", params: [], grant: GRANT, signature: SIG },
      { action: "restart-web", params: {}, signature: SIG },
      { action: "restart-web", params: {}, grant: GRANT, signature: "not base64!" },
    ];
    for (const body of bad) {
      await refusedWith(runAction(deps, ANN, host.id, body), "invalid_action");
    }
    await refusedWith(
      runAction(deps, ANN, "nope", { action: "a", grant: GRANT, signature: SIG }),
      "not_found",
    );
    assertEquals(
      [asked.length, (await auditRows(store)).length],
      [0, before],
      "nothing asked or audited",
    );

    const body = {
      action: "restart-web",
      params: { container: "web-1" },
      grant: GRANT,
      signature: SIG,
    };
    assertEquals(await runAction(deps, ANN, host.id, body), {
      exit_code: 0,
      output: "ok",
      output_truncated: false,
      duration_ms: 12.3,
    });
    assertEquals(asked, [body], "relayed as given: the grant's bytes untouched");
    answer = () => Promise.resolve({ refused: "the grant has expired" });
    await runAction(deps, ANN, host.id, body);
    // A parameter named like a prototype is a name like any other, relayed as one.
    const proto = JSON.parse(
      `{"action": "a", "params": {"__proto__": "x"}, "grant": "${GRANT}", "signature": "${SIG}"}`,
    );
    await runAction(deps, ANN, host.id, proto);
    assertEquals(Object.entries(asked.at(-1)!.params), [["__proto__", "x"]]);
    asked.pop();
    answer = () => Promise.reject(new Error("The agent is not connected to this hub"));
    await runAction(deps, ANN, host.id, body).catch(() => {});

    const rows = (await auditRows(store)).slice(before).filter((r) => !r[4].startsWith("a {"));
    const what = 'restart-web {"container":"web-1"}';
    const req = `${what}; grant: nonce n-1, expires 2023-11-14T22:13:50.000Z`;
    assertEquals(rows, [
      ["ann", "action.request", "web-1", host.id, req],
      ["ann", "action.ran", "web-1", host.id, `${what}; grant accepted; exit 0 in 12 ms`],
      ["ann", "action.request", "web-1", host.id, req],
      [
        "ann",
        "action.refused",
        "web-1",
        host.id,
        `${what}; the agent refused: the grant has expired`,
      ],
      ["ann", "action.request", "web-1", host.id, req],
      [
        "ann",
        "action.failed",
        "web-1",
        host.id,
        `${what}; no answer: The agent is not connected to this hub`,
      ],
    ]);
  },
);
