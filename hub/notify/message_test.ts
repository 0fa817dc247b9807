import { assert, assertEquals } from "../../lib/assert.ts";
import { compose, formatValue } from "./message.ts";
import { checkRule } from "../../lib/alerts/rules.ts";
import { firingAlert } from "../store/conformance_helpers.ts";
import type { Alert } from "../store/alerts/types.ts";

const c = checkRule({ name: "Memory high", metric: "mem_used_percent", op: ">", threshold: 90 });
if (!c.ok) throw new Error(c.error.problem);
const rule = { ...c.rule, id: "r1" };
const T = Date.parse("2026-06-01T12:00:00Z");

function alert(id: number, host: string, over: Partial<Alert> = {}): Alert {
  return firingAlert(id, host, T, { rule_name: "Memory high", value: 93.25, ...over });
}

Deno.test("a firing message names host, value, rule and the top processes by memory", () => {
  const processes = {
    by_cpu: [{ pid: 1, name: "init", user: "root", cpu_percent: 1, rss_bytes: 1 }],
    by_memory: [{
      pid: 412,
      name: "postgres",
      user: "postgres",
      cpu_percent: 3,
      rss_bytes: 2 ** 31,
    }],
  };
  const m = compose(
    { kind: "firing", items: [] },
    rule,
    [alert(1, "h1", { processes })],
    () => "web-1",
    T + 600_000,
    "https://monitor.example.com",
  );
  assertEquals(m.title, "[FIRING] Memory high on web-1");
  assert(m.text.includes("web-1: 93.3 %, firing for 10 min"), m.text);
  assert(m.text.includes("top processes by memory:"), m.text);
  assert(m.text.includes("postgres (pid 412, postgres): 3.0 % CPU, 2.0 GiB"), m.text);
  assertEquals(m.url, "https://monitor.example.com/alerts?rule=r1");
});

Deno.test("a resolved message says how long it fired; a group lists its hosts, not processes", () => {
  const resolved = compose(
    { kind: "resolved", items: [] },
    rule,
    [alert(1, "h1", { state: "resolved", resolved_at: T + 2 * 3600_000 + 300_000 })],
    () => "web-1",
    T + 3 * 3600_000,
    null,
  );
  assertEquals(resolved.title, "[RESOLVED] Memory high on web-1");
  assert(resolved.text.includes("resolved after 2 h 5 min"), resolved.text);
  assertEquals(resolved.alerts[0].duration_s, 7500);
  const many = Array.from({ length: 60 }, (_, i) => alert(i + 1, `h${String(i).padStart(2, "0")}`));
  const group = compose({ kind: "reminder", items: [] }, rule, many, (id) => id, T, null);
  assertEquals(group.title, "[STILL FIRING] Memory high: 60 hosts");
  assert(group.text.includes("… and 10 more"), group.text);
  assertEquals(group.alerts.length, 60, "the data lists every alert");
});

Deno.test("values are shown in their metric's unit", () => {
  assertEquals(formatValue("mem_used_bytes", 1536 * 2 ** 20), "1.5 GiB");
  assertEquals(formatValue("net_rx_bytes_per_s", 2048), "2.0 KiB/s");
  assertEquals(formatValue("temp_celsius", 71.25), "71.3 °C");
  assertEquals(formatValue("load1", 3.5), "3.5");
  assertEquals(formatValue(null, null), "–");
});

Deno.test("an alert on no host (a push check's) is named by its check, alone or in a group", () => {
  const d = checkRule({ name: "Job silent", kind: "check_down", labels: { check: "*" } });
  if (!d.ok) throw new Error(d.error.problem);
  const down = { ...d.rule, id: "down" };
  const on = (id: number, check: string) =>
    alert(id, "", { host_id: null, labels: { check }, labels_key: `check=${check}`, value: null });
  const names: Record<string, string> = { c1: "Nightly backup", c2: "Hourly sync" };
  const one = compose(
    { kind: "firing", items: [] },
    down,
    [on(1, "c1")],
    () => "unused",
    T + 60_000,
    null,
    (id) => names[id],
  );
  assertEquals(one.title, "[FIRING] Job silent on check Nightly backup");
  assert(one.text.includes("check Nightly backup, firing for 1 min"), one.text);
  assertEquals([one.alerts[0].host, one.alerts[0].check, one.alerts[0].subject], [
    null,
    { id: "c1", name: "Nightly backup" },
    "check Nightly backup",
  ]);
  const two = compose(
    { kind: "resolved", items: [] },
    down,
    [on(1, "c1"), on(2, "c2")],
    () => "unused",
    T,
    null,
    (id) => names[id],
  );
  assertEquals(two.title, "[RESOLVED] Job silent: 2 alerts");
  assertEquals(two.alerts.map((a) => a.subject), ["check Hourly sync", "check Nightly backup"]);
});
