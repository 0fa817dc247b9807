import { assert, assertEquals } from "../../lib/assert.ts";
import { logger } from "../../lib/log.ts";
import { Wal } from "../wal.ts";
import { followJournal } from "./journal.ts";
import { RateLimit } from "./rate.ts";
import { batches } from "./testdata/wal_batches.ts";
import { JOURNAL_REMOTE, makeJournal } from "./testdata/journal_fixture.ts";

const journalctl = (() => {
  try {
    return Deno.statSync("/usr/bin/journalctl").isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name:
    "journal: entries arrive with levels, binary and multi-valued fields; the cursor survives a restart",
  // Needs journalctl and Debian's systemd-journal-remote (which writes the journal files read).
  ignore: !journalctl || JOURNAL_REMOTE === null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sightline-journal-" });
    const wal = await Wal.open(`${dir}/wal.kv`);
    try {
      await Deno.mkdir(`${dir}/journal`);
      await makeJournal(`${dir}/journal/part1.journal`, 1, 20);
      const opts = {
        wal,
        log: logger("test.journal"),
        rate: new RateLimit(1e9),
        directory: `${dir}/journal`,
        startAt: "beginning" as const,
      };
      const lines = async () => (await batches(wal)).flatMap((b) => b.lines);
      const waitFor = async (n: number) => {
        const deadline = Date.now() + 15_000;
        while ((await lines()).length < n) {
          if (Date.now() > deadline) {
            throw new Error(`only ${(await lines()).length} of ${n} lines`);
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const follow = async (units: string[], want: number) => {
        const stop = new AbortController();
        const run = followJournal({ id: "j1", units }, opts, stop.signal);
        try {
          await waitFor(want);
        } finally {
          stop.abort();
          await run;
        }
      };
      await follow([], 20);
      const first = await lines();
      assertEquals(first.length, 20);
      assertEquals(first[0].message, "journal line 1");
      assertEquals(first[0].unit, "app.service");
      assertEquals(first.slice(0, 4).map((l) => l.level), ["warn", "info", "debug", "error"]);
      assertEquals(first[0].unixMs, 1_767_225_601_000);
      assertEquals(first[6].message, "journal line 7 \uFFFD\uFFFD");
      assertEquals(first[8].message, "journal line 9\nsecond value");
      // Stopped and started again with newer entries: it goes on after its cursor.
      await makeJournal(`${dir}/journal/part2.journal`, 21, 40);
      await follow([], 40);
      const all = await lines();
      assertEquals(
        all.map((l) => l.message.split("\n")[0].replace(/ \uFFFD+$/, "")),
        Array.from({ length: 40 }, (_, i) => `journal line ${i + 1}`),
      );
      // A unit filter, a source of its own (no cursor yet): only that unit.
      const stop = new AbortController();
      const run = followJournal({ id: "j2", units: ["other.service"] }, opts, stop.signal);
      try {
        await waitFor(60);
      } finally {
        stop.abort();
        await run;
      }
      const j2 = (await lines()).filter((l) => l.sourceId === "j2");
      assertEquals(j2.length, 20);
      assert(j2.every((l) => l.unit === "other.service"));
    } finally {
      wal.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
