import { assertEquals } from "../../lib/assert.ts";
import { knownTimeZone, localTime, Mutes, windowOpen } from "./mutes.ts";
import type { MaintenanceWindow } from "../store/alerts/types.ts";

const window = (over: Partial<MaintenanceWindow>): MaintenanceWindow => ({
  id: "w",
  name: "patch night",
  rule_id: null,
  host_id: null,
  tag: null,
  time_zone: "Europe/Berlin",
  days: [2], // Tuesday
  start_minute: 23 * 60,
  duration_min: 120,
  created_by: "ann",
  created_at: 0,
  ...over,
});

Deno.test("local time is read on the window's own clocks, summer and winter", () => {
  // 2026-07-07 is a Tuesday; Berlin is UTC+2 in July, UTC+1 in January.
  assertEquals(localTime(Date.parse("2026-07-07T21:30:00Z"), "Europe/Berlin"), {
    day: 2,
    minute: 1410,
  });
  assertEquals(localTime(Date.parse("2026-01-06T22:30:00Z"), "Europe/Berlin"), {
    day: 2,
    minute: 1410,
  });
  assertEquals(localTime(Date.parse("2026-07-07T21:30:00Z"), "America/New_York"), {
    day: 2,
    minute: 1050,
  });
});

Deno.test("a window that starts late on Tuesday runs past midnight into Wednesday", () => {
  const w = window({});
  const at = (iso: string) => windowOpen(w, Date.parse(iso));
  assertEquals(at("2026-07-07T20:59:00Z"), false, "22:59 Tuesday, before it");
  assertEquals(at("2026-07-07T21:00:00Z"), true, "23:00 Tuesday");
  assertEquals(at("2026-07-07T22:59:00Z"), true, "00:59 Wednesday, still in it");
  assertEquals(at("2026-07-07T23:00:00Z"), false, "01:00 Wednesday, over");
  assertEquals(at("2026-07-08T21:30:00Z"), false, "Wednesday night is not a start day");
  assertEquals(at("2026-07-14T21:30:00Z"), true, "next Tuesday again");
  // A window of several days, from Saturday 00:00 for 48 h.
  const weekend = window({ days: [6], start_minute: 0, duration_min: 2880 });
  assertEquals(windowOpen(weekend, Date.parse("2026-07-12T20:00:00Z")), true, "Sunday 22:00");
  assertEquals(windowOpen(weekend, Date.parse("2026-07-12T22:00:00Z")), false, "Monday 00:00");
});

Deno.test("a mute matches on everything it names; silences run from start to end", () => {
  const mutes = new Mutes([{
    id: "s",
    rule_id: "r1",
    host_id: null,
    tag: "db",
    starts_at: 1000,
    ends_at: 2000,
    reason: "migration",
    created_by: "ann",
    created_at: 0,
  }], [window({ host_id: "h9" })]);
  const db = { ruleId: "r1", hostId: "h1", tags: ["db"] };
  assertEquals(mutes.reason(db, 1500), "silenced: migration");
  assertEquals(mutes.muted(db, 999), false, "not yet");
  assertEquals(mutes.muted(db, 2000), false, "ended");
  assertEquals(mutes.muted({ ...db, ruleId: "r2" }, 1500), false, "another rule");
  assertEquals(mutes.muted({ ...db, tags: ["web"] }, 1500), false, "another tag");
  const tuesdayNight = Date.parse("2026-07-07T21:30:00Z");
  assertEquals(
    mutes.reason({ ruleId: "r5", hostId: "h9", tags: [] }, tuesdayNight),
    "maintenance: patch night",
  );
  assertEquals(mutes.muted({ ruleId: "r5", hostId: "h8", tags: [] }, tuesdayNight), false);
});

Deno.test("time zones are IANA names this runtime knows", () => {
  assertEquals(knownTimeZone("Europe/Berlin"), true);
  assertEquals(knownTimeZone("UTC"), true);
  assertEquals(knownTimeZone("Mars/Olympus_Mons"), false);
  assertEquals(knownTimeZone(""), false);
});
