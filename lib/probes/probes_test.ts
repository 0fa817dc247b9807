import { assertEquals } from "../assert.ts";
import { CheckInputError, parseCheck } from "./check.ts";
import { CheckJudge } from "./judge.ts";
import { checkRule } from "../alerts/rules.ts";
import { passPercent, uptimePercent } from "./uptime.ts";

Deno.test("k of 3 agents: one failing marks nothing down; two do after r rounds; up after r' passes", () => {
  const j = new CheckJudge({ k: 2, rounds: 2, recover_rounds: 2 });
  assertEquals(j.status, "pending");
  const changes: string[] = [];
  const round = (t: number, oks: Record<string, boolean>) => {
    for (const [h, ok] of Object.entries(oks)) {
      const tr = j.see(h, ok, t, ok ? "200 OK" : `status 503 from ${h}`);
      if (tr) changes.push(`${t}:${tr.from}->${tr.to}:${tr.cause}:${tr.failingHosts}`);
    }
  };
  round(1, { a: true, b: true, c: true });
  // One agent failing for ever: never down.
  for (let t = 2; t < 6; t++) round(t, { a: false, b: true, c: true });
  assertEquals(j.status, "up");
  // A second one fails: down once it has failed r = 2 rounds in a row.
  round(6, { a: false, b: false, c: true });
  assertEquals(j.status, "up");
  round(7, { a: false, b: false, c: true });
  assertEquals(j.status, "down");
  // One pass is not r' = 2; a failure between passes starts the count over.
  round(8, { a: true, b: true, c: true });
  round(9, { a: false, b: false, c: true });
  round(10, { a: true, b: true, c: true });
  assertEquals(j.status, "down");
  round(11, { a: true, b: true, c: true });
  assertEquals(j.status, "up");
  // It went down once and came up once, the cause the last failing agent's message.
  assertEquals(changes, [
    "1:pending->up:200 OK:",
    "7:up->down:status 503 from b:a,b",
    // Up as soon as fewer than k are failing: "a" recovered, "b" not yet.
    "11:down->up:200 OK:b",
  ]);
});

Deno.test("the defaults k = 1, r = 2: a single agent's two failures in a row", () => {
  const j = new CheckJudge({ k: 1, rounds: 2, recover_rounds: 2 });
  j.see("a", false, 1, "refused");
  assertEquals(j.status, "up");
  assertEquals(j.see("a", false, 2, "refused")?.to, "down");
  assertEquals(j.see("a", true, 3, "open"), null);
  assertEquals(j.see("a", true, 4, "open")?.to, "up");
  // An agent that stops running it no longer holds the check down.
  j.see("a", false, 5, "x");
  j.see("a", false, 6, "x");
  assertEquals(j.status, "down");
  assertEquals(j.forget("a", 7)?.to, "pending");
});

Deno.test("uptime from incidents: the window from when the check was first judged, overlaps once", () => {
  const H = 3_600_000;
  assertEquals(uptimePercent([], 0, 0, 24 * H), 100);
  assertEquals(uptimePercent([{ start: 0, end: 6 * H }], 0, 0, 24 * H), 75);
  // An open incident runs to the window's end; one before the window counts nothing.
  assertEquals(uptimePercent([{ start: 18 * H, end: null }], 0, 0, 24 * H), 75);
  assertEquals(uptimePercent([{ start: -5 * H, end: -H }], -10 * H, 0, 24 * H), 100);
  // Judged only since hour 12: a 3 h incident is a quarter of what was seen.
  assertEquals(uptimePercent([{ start: 20 * H, end: 23 * H }], 12 * H, 0, 24 * H), 75);
  assertEquals(
    uptimePercent([{ start: 0, end: 4 * H }, { start: 2 * H, end: 6 * H }], 0, 0, 24 * H),
    75,
  );
  assertEquals(uptimePercent([], null, 0, 24 * H), null);
  assertEquals(uptimePercent([{ start: 0, end: 1 }], 0, 0, 100_000), 99.999);
  assertEquals(passPercent(3, 4), 75);
  assertEquals(passPercent(0, 0), null);
});

Deno.test("parseCheck takes the contract's body and names the field it refuses", () => {
  const ok = parseCheck("c1", {
    name: "Shop",
    type: "http",
    target: "https://shop.example/health",
    interval_s: 30,
    timeout_s: 5,
    expect: { status: 200, keyword: "ok" },
    runs_on: { any: 3 },
    k: 2,
  });
  assertEquals([ok.k, ok.rounds, ok.recover_rounds, ok.runs_on], [2, 2, 2, { any: 3 }]);
  const refused = (body: Record<string, unknown>) => {
    try {
      parseCheck("c", body);
    } catch (err) {
      if (err instanceof CheckInputError) return err.field;
      throw err;
    }
    throw new Error("accepted");
  };
  const base = {
    name: "x",
    type: "tcp",
    target: "db:5432",
    interval_s: 30,
    runs_on: { tag: "db" },
  };
  assertEquals(refused({ ...base, type: "smtp" }), "type");
  assertEquals(refused({ ...base, target: "db" }), "target");
  assertEquals(refused({ ...base, interval_s: 1 }), "interval_s");
  assertEquals(refused({ ...base, timeout_s: 60 }), "timeout_s");
  assertEquals(refused({ ...base, runs_on: { everywhere: true } }), "runs_on");
  assertEquals(refused({ ...base, runs_on: { any: 2 }, k: 3 }), "k");
  assertEquals(refused({ ...base, expect: { keyword: "x" } }), "expect.keyword");
  assertEquals(refused({ ...base, command: "rm -rf /" }), "command");
  assertEquals(refused({ ...base, type: "ping", target: "-f" }), "target");
  assertEquals(parseCheck("p", { name: "cron", type: "push", interval_s: 3600 }).target, "");
  // A resolver is asked by address: a name there could never be reached.
  const dns = (resolver: string) => ({
    ...base,
    type: "dns",
    target: "shop.example",
    expect: { record_type: "A", resolver },
  });
  assertEquals(refused(dns("dns.google:53")), "expect.resolver");
  for (const r of ["9.9.9.9", "127.0.0.1:5353", "[::1]:53", "2620:fe::fe"]) {
    assertEquals(parseCheck("d", dns(r)).expect?.resolver, r);
  }
});

Deno.test("a check_down alert rule selects checks by the check label and fires at once", () => {
  const ok = checkRule({ name: "Any check down", kind: "check_down", labels: { check: "*" } });
  assertEquals(ok.ok && [ok.rule.labels, ok.rule.for_s, ok.rule.metric], [{ check: "*" }, 0, null]);
  const held = checkRule({ name: "x", kind: "check_down", for_s: 60 });
  assertEquals(!held.ok && held.error.field, "for_s");
  const wrong = checkRule({ name: "x", kind: "check_down", labels: { mount: "/" } });
  assertEquals(!wrong.ok && wrong.error.field, "labels");
});

Deno.test("check_slow and check_cert_expiring rules take a threshold and no comparison of their own", () => {
  const slow = checkRule({ name: "slow", kind: "check_slow", threshold: 800, for_s: 120 });
  assertEquals(slow.ok && [slow.rule.op, slow.rule.threshold, slow.rule.for_s], [">", 800, 120]);
  const cert = checkRule({ name: "cert", kind: "check_cert_expiring", threshold: 14 });
  assertEquals(cert.ok && [cert.rule.op, cert.rule.threshold], ["<", 14]);
  const noLevel = checkRule({ name: "x", kind: "check_slow" });
  assertEquals(!noLevel.ok && noLevel.error.field, "threshold");
  const withOp = checkRule({ name: "x", kind: "check_cert_expiring", threshold: 3, op: ">" });
  assertEquals(!withOp.ok && withOp.error.field, "op");
});

Deno.test("a judge restored down (a hub restart mid-incident) needs r' passes of enough agents", () => {
  const j = new CheckJudge({ k: 1, rounds: 2, recover_rounds: 2 }, "down");
  assertEquals(j.see("a", true, 1, "ok"), null);
  assertEquals(j.status, "down");
  assertEquals(j.see("a", true, 2, "ok")?.to, "up");
});

Deno.test("restored down with k = 2: not up on one agent's word", () => {
  const j = new CheckJudge({ k: 2, rounds: 2, recover_rounds: 2 }, "down");
  j.see("a", true, 1, "ok");
  j.see("a", true, 2, "ok");
  assertEquals(j.status, "down");
  // A second agent heard from: one failing at most, fewer than k.
  assertEquals(j.see("b", true, 3, "ok")?.to, "up");
  // From then on, an agent new to the judge starts as passing.
  assertEquals(j.see("c", false, 4, "x"), null);
  assertEquals(j.standing("c")?.failing, false);
});
