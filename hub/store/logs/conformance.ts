/** The log store's conformance tests (see ../conformance.ts). */
import { assert, assertEquals } from "../../../lib/assert.ts";
import { batch, host, type StoreTest } from "../conformance_helpers.ts";
import type { StoredLogBatch, StoredLogLine } from "./types.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10, 12);

const line = (ts: number, message: string, over: Partial<StoredLogLine> = {}): StoredLogLine => ({
  ts,
  source_id: "src1",
  origin: "/var/log/app.log",
  level: "",
  message,
  ...over,
});

const logBatch = (seq: number, lines: StoredLogLine[], over: Partial<StoredLogBatch> = {}) => ({
  seq,
  ts: lines[0]?.ts ?? T0,
  lines,
  dropped: 0,
  errors: [],
  ...over,
});

/** Registers the log store tests. */
export function logsConformance(test: StoreTest): void {
  test("logs.writeBatch() stores a batch once on (host, seq), the seq shared with metrics", async (s) => {
    await host(s, "h1");
    await s.metrics.writeBatch("h1", batch(1, T0, 5));
    const b = logBatch(2, [line(T0, "one"), line(T0 + 1, "two")], { dropped: 3 });
    assertEquals(await s.logs.writeBatch("h1", b, T0), { inserted: true });
    assertEquals(await s.logs.writeBatch("h1", b, T0), { inserted: false });
    // A log batch under a seq metrics took is that batch again: nothing written.
    assertEquals(await s.logs.writeBatch("h1", logBatch(1, [line(T0, "x")]), T0), {
      inserted: false,
    });
    assertEquals(await s.metrics.lastSeq("h1"), 2);
    const page = await s.logs.search({ limit: 10 });
    assertEquals(page.lines.map((l) => l.message), ["two", "one"]);
    assertEquals((await s.logs.stats()).dropped, 3);
    assertEquals((await s.logs.stats()).lines, 2);
  });

  test("logs.search() finds substrings, filters, and pages newest first by cursor", async (s) => {
    await host(s, "h1");
    await host(s, "h2");
    const lines = Array.from(
      { length: 25 },
      (_, i) =>
        line(T0 + i * 1000, `request ${i} ${i % 5 === 0 ? "ERROR disk full" : "ok"}`, {
          level: i % 5 === 0 ? "error" : "info",
          source_id: i % 2 ? "src1" : "src2",
        }),
    );
    await s.logs.writeBatch("h1", logBatch(1, lines), T0);
    await s.logs.writeBatch("h2", logBatch(1, [line(T0, "h2 says disk FULL")]), T0);
    // A substring inside words, any case (trigrams), on both hosts.
    const full = await s.logs.search({ text: "isk ful", limit: 100 });
    assertEquals(full.lines.length, 6);
    assertEquals(
      full.lines.map((l) => l.ts),
      [...full.lines.map((l) => l.ts)].sort((a, b) => b - a),
    );
    // Shorter than a trigram still matches.
    assertEquals((await s.logs.search({ text: "24", limit: 100 })).lines.length, 1);
    // LIKE's own characters are text, not patterns.
    assertEquals((await s.logs.search({ text: "%", limit: 100 })).lines.length, 0);
    assertEquals((await s.logs.search({ text: 'say"s', limit: 100 })).lines.length, 0);
    const h1errors = await s.logs.search({ hostIds: ["h1"], levels: ["error"], limit: 100 });
    assertEquals(h1errors.lines.map((l) => l.message.split(" ")[1]), ["20", "15", "10", "5", "0"]);
    const ranged = await s.logs.search({
      sourceId: "src1",
      from: T0 + 3000,
      to: T0 + 8000,
      limit: 100,
    });
    assertEquals(ranged.lines.map((l) => l.ts - T0), [7000, 5000, 3000]);
    // Pages of 10 cover all 26 lines once, newest first, with no OFFSET.
    const seen: string[] = [];
    let cursor: { ts: number; id: number } | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await s.logs.search({ limit: 10, cursor });
      seen.push(...page.lines.map((l) => `${l.host_id}:${l.message}`));
      if (!page.next) break;
      cursor = page.next;
    }
    assertEquals(seen.length, 26);
    assertEquals(new Set(seen).size, 26);
    assertEquals(seen[0], "h1:request 24 ok");
  });

  test("logs.search() pages a text found on thousands of lines newest first", async (s) => {
    await host(s, "h1");
    const many = Array.from(
      { length: 2500 },
      (_, i) => line(T0 + i, i % 2 ? `Common thing ${i}` : `other ${i}`),
    );
    for (let i = 0; i < many.length; i += 500) {
      await s.logs.writeBatch("h1", logBatch(i / 500 + 1, many.slice(i, i + 500)), T0);
    }
    const first = await s.logs.search({ text: "COMMON THING", limit: 3 });
    assertEquals(first.lines.map((l) => l.message), [
      "Common thing 2499",
      "Common thing 2497",
      "Common thing 2495",
    ]);
    const second = await s.logs.search({ text: "common thing", limit: 2, cursor: first.next! });
    assertEquals(second.lines.map((l) => l.message), ["Common thing 2493", "Common thing 2491"]);
    assertEquals((await s.logs.search({ text: "thing 1", limit: 1000 })).lines.length, 556);
  });

  test("logs.context() gives the lines around a hit from the same host and file", async (s) => {
    await host(s, "h1");
    const lines = Array.from({ length: 10 }, (_, i) => line(T0 + i, `l${i}`));
    lines.push(line(T0 + 5, "other file", { origin: "/var/log/other.log" }));
    await s.logs.writeBatch("h1", logBatch(1, lines), T0);
    const [hit] = (await s.logs.search({ text: "l5", limit: 1 })).lines;
    const ctx = await s.logs.context(hit.id, 2);
    assertEquals(ctx?.before.map((l) => l.message), ["l3", "l4"]);
    assertEquals(ctx?.after.map((l) => l.message), ["l6", "l7"]);
    assertEquals(await s.logs.context("999999", 2), null);
  });

  test("logs.prune() drops days past the age, then the oldest while over the size", async (s) => {
    await host(s, "h1");
    for (let d = 0; d < 4; d++) {
      const lines = Array.from({ length: 10 }, (_, i) => line(T0 + d * DAY + i, `day${d} ${i}`));
      await s.logs.writeBatch("h1", logBatch(d + 1, lines), T0);
    }
    const perDay = (await s.logs.stats()).bytes / 4;
    assertEquals(
      (await s.logs.prune({ before: T0 + DAY - 12 * 3600_000, maxBytes: 1e12 })).days,
      1,
    );
    assertEquals((await s.logs.search({ text: "day0", limit: 100 })).lines.length, 0);
    assertEquals((await s.logs.search({ text: "day1", limit: 100 })).lines.length, 10);
    // Over the size by less than a day: the oldest day goes.
    assertEquals((await s.logs.prune({ before: 0, maxBytes: 2.5 * perDay })).days, 1);
    const left = await s.logs.search({ limit: 100 });
    assertEquals(
      new Set(left.lines.map((l) => l.message.split(" ")[0])),
      new Set(["day2", "day3"]),
    );
    assertEquals((await s.logs.stats()).lines, 20);
    assertEquals((await s.logs.prune({ before: 0, maxBytes: 1e12 })).days, 0);
  });

  test("logs.prune() removes a day of more lines than one slice, and nothing newer", async (s) => {
    await host(s, "h1");
    for (let b = 0; b < 3; b++) {
      const lines = Array.from({ length: 8_000 }, (_, i) => line(T0 + b * 8_000 + i, `old ${i}`));
      await s.logs.writeBatch("h1", logBatch(b + 1, lines), T0);
    }
    await s.logs.writeBatch("h1", logBatch(4, [line(T0 + DAY, "kept")]), T0);
    assertEquals((await s.logs.stats()).lines, 24_001);
    const dayEnd = (Math.floor(T0 / DAY) + 1) * DAY;
    assertEquals((await s.logs.prune({ before: dayEnd, maxBytes: 1e12 })).days, 1);
    assertEquals((await s.logs.search({ text: "old", limit: 5 })).lines.length, 0);
    assertEquals((await s.logs.search({ limit: 5 })).lines.map((l) => l.message), ["kept"]);
    assertEquals((await s.logs.stats()).lines, 1);
  });

  test("logs sources: create, list, delete (audited), and each host's errors", async (s) => {
    await host(s, "h1");
    const at = T0;
    await s.logs.createSource(
      {
        id: "src1",
        type: "file",
        path: "/var/log/app/*.log",
        units: [],
        scope: { tag: "web" },
        created_at: at,
      },
      { at, actor: "alice", action: "log_source.create", target: "/var/log/app/*.log" },
    );
    await s.logs.createSource({
      id: "src2",
      type: "journal",
      path: "",
      units: ["nginx.service"],
      scope: { all: true },
      created_at: at + 1,
    });
    const list = await s.logs.listSources();
    assertEquals(list.map((x) => [x.id, x.scope, x.units]), [
      ["src1", { tag: "web" }, []],
      ["src2", { all: true }, ["nginx.service"]],
    ]);
    await s.logs.writeBatch(
      "h1",
      logBatch(1, [], {
        ts: at,
        errors: [{ source_id: "src1", message: "outside the allow-list" }],
      }),
      at,
    );
    assertEquals((await s.logs.sourceErrors()).map((e) => [e.host_id, e.message]), [
      ["h1", "outside the allow-list"],
    ]);
    assert(await s.logs.deleteSource("src1", { at, actor: "alice", action: "log_source.delete" }));
    assertEquals(await s.logs.deleteSource("src1"), false);
    assertEquals((await s.logs.listSources()).map((x) => x.id), ["src2"]);
    assertEquals(await s.logs.sourceErrors(), []);
    const audit = await s.audit.list(10);
    assertEquals(audit.map((e) => e.action).sort(), ["log_source.create", "log_source.delete"]);
  });
}
