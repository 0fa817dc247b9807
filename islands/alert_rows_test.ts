import { assertEquals } from "../lib/assert.ts";
import { type AlertFilter, type AlertLists, type AlertRow, applyEvent } from "./alert_rows.ts";

const ANY: AlertFilter = { state: "", rule: "", host: "" };

/** Alert `id` in `state`, begun `t` seconds into the day. */
function alert(id: number, state: AlertRow["state"], t: number, extra: Partial<AlertRow> = {}) {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, t)).toISOString();
  return {
    id,
    rule_id: "r1",
    rule_name: "cpu",
    host_id: "h1",
    labels: {},
    state,
    severity: "warning",
    value: 95,
    threshold: 90,
    started_at: at,
    pending_since: at,
    fired_at: state === "pending" ? null : at,
    resolved_at: state === "resolved" ? at : null,
    acknowledged_by: null,
    acknowledged_at: null,
    closed_reason: null,
    muted: null,
    ...extra,
  } satisfies AlertRow;
}

const ids = (l: AlertLists) => [l.open.map((a) => a.id), l.history.map((a) => a.id)];

Deno.test("an alert moves from pending to firing to history; firing ones come first, newest first", () => {
  let l: AlertLists = { open: [alert(1, "firing", 10), alert(2, "pending", 20)], history: [] };
  l = applyEvent(l, "alert.pending", alert(3, "pending", 30), ANY);
  assertEquals(ids(l), [[1, 3, 2], []]);
  l = applyEvent(l, "alert.firing", alert(3, "firing", 40), ANY);
  assertEquals(ids(l), [[3, 1, 2], []]);
  l = applyEvent(l, "alert.resolved", alert(1, "resolved", 50), ANY);
  assertEquals(ids(l), [[3, 2], [1]]);
  l = applyEvent(l, "alert.cancelled", alert(2, "pending", 20), ANY);
  assertEquals(ids(l), [[3], [1]]);
  // The same event twice (two streams for a moment) changes nothing more.
  l = applyEvent(l, "alert.resolved", alert(1, "resolved", 50), ANY);
  assertEquals(ids(l), [[3], [1]]);
});

Deno.test("an unknown alert is added from its event; what mutes a known one is kept", () => {
  let l: AlertLists = {
    open: [alert(5, "firing", 10, { muted: "silenced: deploy" })],
    history: [],
  };
  l = applyEvent(l, "alert.acknowledged", alert(5, "firing", 10, { acknowledged_by: "ann" }), ANY);
  assertEquals([l.open[0].acknowledged_by, l.open[0].muted], ["ann", "silenced: deploy"]);
  l = applyEvent(l, "alert.resolved", alert(9, "resolved", 5), ANY);
  assertEquals(ids(l), [[5], [9]]);
  assertEquals(l.history[0].muted, null);
});

Deno.test("a filtered page takes only what its filter matches", () => {
  const onlyH2: AlertFilter = { state: "", rule: "", host: "h2" };
  let l: AlertLists = { open: [], history: [] };
  l = applyEvent(l, "alert.firing", alert(1, "firing", 1), onlyH2);
  l = applyEvent(l, "alert.firing", alert(2, "firing", 2, { host_id: "h2" }), onlyH2);
  assertEquals(ids(l), [[2], []]);
  const firingOnly: AlertFilter = { state: "firing", rule: "", host: "" };
  l = applyEvent(l, "alert.resolved", alert(2, "resolved", 3, { host_id: "h2" }), firingOnly);
  assertEquals(ids(l), [[], []], "resolved leaves a firing-only page");
  l = applyEvent(l, "alert.firing", alert(3, "firing", 3, { rule_id: "r2" }), {
    ...ANY,
    rule: "r1",
  });
  assertEquals(ids(l), [[], []]);
});

Deno.test("history stays newest first by id when an older alert resolves late", () => {
  let l: AlertLists = { open: [], history: [alert(8, "resolved", 8), alert(4, "resolved", 4)] };
  l = applyEvent(l, "alert.resolved", alert(6, "resolved", 9), ANY);
  assertEquals(ids(l), [[], [8, 6, 4]]);
  l = applyEvent(l, "alert.resolved", alert(1, "resolved", 9), ANY);
  assertEquals(ids(l), [[], [8, 6, 4, 1]]);
});
