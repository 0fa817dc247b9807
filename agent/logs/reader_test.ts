import { assert, assertEquals } from "../../lib/assert.ts";
import { logger } from "../../lib/log.ts";
import { batches } from "./testdata/wal_batches.ts";
import { Wal } from "../wal.ts";
import { AllowList } from "./allow.ts";
import { CUT_MARK, MAX_LINE_BYTES } from "./lines.ts";
import { type FileSource, LogReader } from "./reader.ts";

const log = logger("test.logs");

async function messages(wal: Wal): Promise<string[]> {
  return (await batches(wal)).flatMap((b) => b.lines.map((l) => l.message));
}

async function withDir(fn: (dir: string, wal: Wal) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sightline-logs-" });
  const wal = await Wal.open(`${dir}/wal.kv`);
  try {
    await fn(dir, wal);
  } finally {
    wal.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function reader(wal: Wal, dir: string, sources: FileSource[], allow = `${dir}/logs/**`) {
  return new LogReader({
    wal,
    sources: () => sources,
    allow: new AllowList(allow),
    log,
    rateLinesPerS: 1e9,
    rotatedIdleMs: 0,
    globEveryMs: 0,
  });
}

const numbered = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

/** Appends lines to a file the way a logger does (open, append, close). */
function write(path: string, lines: string[]): void {
  Deno.writeTextFileSync(path, lines.map((l) => l + "\n").join(""), { append: true });
}

type Rotation = (path: string, n: number) => void;

const ROTATIONS: Record<string, Rotation> = {
  "rename-and-create": (path, n) => {
    Deno.renameSync(path, `${path}.${n}`);
    Deno.writeTextFileSync(path, "");
  },
  copytruncate: (path, n) => {
    Deno.copyFileSync(path, `${path}.${n}`);
    Deno.truncateSync(path, 0);
  },
  "delete-and-recreate": (path) => {
    Deno.removeSync(path);
    Deno.writeTextFileSync(path, "");
  },
};

for (const [name, rotate] of Object.entries(ROTATIONS)) {
  Deno.test(`logs: ${name} while a writer writes: every line arrives once, in order`, async () => {
    await withDir(async (dir, wal) => {
      await Deno.mkdir(`${dir}/logs`);
      const path = `${dir}/logs/app.log`;
      const r = reader(wal, dir, [{ id: "s1", path: `${dir}/logs/*.log` }]);
      const N = 3000;
      let next = 1;
      let rotations = 0;
      while (next <= N) {
        // Writes between polls, and rotations both right after a poll and
        // with unread lines in the old file (the harder case).
        const upto = Math.min(N, next + 97);
        write(path, numbered(next, upto));
        next = upto + 1;
        if (next % 5 === 0 || next % 7 === 0) {
          rotate(path, ++rotations);
          // A compressed rotated file is never read.
          Deno.writeTextFileSync(`${path}.${rotations}.gz`, "line 0\n");
        }
        if (next % 3 !== 0) await r.poll();
      }
      await r.poll();
      await r.poll();
      r.close();
      assert(rotations >= 5, `rotated ${rotations} times`);
      assertEquals(await messages(wal), numbered(1, N));
    });
  });
}

Deno.test("logs: a restart resumes where the last batch ended, across a rotation while down", async () => {
  await withDir(async (dir, wal) => {
    await Deno.mkdir(`${dir}/logs`);
    const path = `${dir}/logs/app.log`;
    const src = [{ id: "s1", path }];
    write(path, numbered(1, 10));
    const a = reader(wal, dir, src);
    await a.poll();
    a.close();
    write(path, numbered(11, 20));
    Deno.renameSync(path, `${path}.1`);
    write(path, numbered(21, 25));
    const b = reader(wal, dir, src);
    await b.poll();
    await b.poll();
    b.close();
    assertEquals(await messages(wal), numbered(1, 25));
  });
});

Deno.test("logs: a path outside the allow-list is refused with a message for the hub", async () => {
  await withDir(async (dir, wal) => {
    await Deno.mkdir(`${dir}/logs`);
    await Deno.mkdir(`${dir}/secret`);
    write(`${dir}/secret/shadow`, ["root:x"]);
    // A link inside the allowed folder leads out of it: refused too.
    Deno.symlinkSync(`${dir}/secret/shadow`, `${dir}/logs/link.log`);
    const r = reader(wal, dir, [
      { id: "s1", path: `${dir}/secret/shadow` },
      { id: "s2", path: `${dir}/logs/*.log` },
      // Wildcards above the allowed folder are refused before the disk is walked.
      { id: "s3", path: `${dir}/**/*.log` },
      { id: "s4", path: "/**" },
    ]);
    await r.poll();
    await r.poll();
    const bs = await batches(wal);
    assertEquals(bs.flatMap((b) => b.lines), []);
    const errors = bs.flatMap((b) => b.errors);
    assertEquals(errors.map((e) => e.collector), ["logs:s1", "logs:s2", "logs:s3", "logs:s4"]);
    assert(errors[0].message.includes("outside the agent's allow-list"), errors[0].message);
    for (const e of errors.slice(2)) {
      assert(e.message.includes("must lie under one of its folders"), e.message);
    }
  });
});

Deno.test("logs: a 10 MB line, binary garbage and an unreadable file neither crash nor stall", async () => {
  await withDir(async (dir, wal) => {
    await Deno.mkdir(`${dir}/logs`);
    const path = `${dir}/logs/app.log`;
    const f = Deno.openSync(path, { create: true, write: true });
    f.writeSync(new TextEncoder().encode("before\n"));
    f.writeSync(new Uint8Array(10 * 1024 * 1024).fill(0x61));
    f.writeSync(new Uint8Array([0x0a, 0xff, 0xfe, 0x00, 0x41, 0x0a]));
    f.writeSync(new TextEncoder().encode("ERROR after\n"));
    f.close();
    write(`${dir}/logs/locked.log`, ["x"]);
    Deno.chmodSync(`${dir}/logs/locked.log`, 0);
    const r = reader(wal, dir, [{ id: "s1", path: `${dir}/logs/*.log` }]);
    for (let i = 0; i < 12; i++) await r.poll();
    const bs = await batches(wal);
    const lines = bs.flatMap((b) => b.lines).filter((l) => l.origin === path);
    assertEquals(lines[0].message, "before");
    assertEquals(lines[1].message.length, MAX_LINE_BYTES + CUT_MARK.length);
    assert(lines[1].truncated && lines[1].message.endsWith(CUT_MARK));
    assertEquals(lines[2].message, "\uFFFD\uFFFD\uFFFDA");
    assertEquals([lines[3].message, lines[3].level], ["ERROR after", "error"]);
    assertEquals(lines.length, 4);
    // Root reads any file; the refusal is only seen as another user.
    if (Deno.uid() !== 0) {
      assert(bs.some((b) => b.errors.some((e) => e.message.includes("locked.log"))));
    }
  });
});

Deno.test("logs: past the rate limit lines are dropped and counted", async () => {
  await withDir(async (dir, wal) => {
    await Deno.mkdir(`${dir}/logs`);
    write(`${dir}/logs/app.log`, numbered(1, 500));
    const r = new LogReader({
      wal,
      sources: () => [{ id: "s1", path: `${dir}/logs/app.log` }],
      allow: new AllowList(`${dir}/logs/*`),
      log,
      rateLinesPerS: 100,
      now: () => 1_000,
    });
    await r.poll();
    const bs = await batches(wal);
    assertEquals(bs.flatMap((b) => b.lines).length, 100);
    assertEquals(bs.reduce((n, b) => n + b.droppedLines, 0), 400);
  });
});

Deno.test("logs: SIGKILL mid-file and a restart lose and repeat no line", async () => {
  await withDir(async (dir, wal) => {
    await Deno.mkdir(`${dir}/logs`);
    const path = `${dir}/logs/app.log`;
    const child = () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--unstable-kv",
          new URL("./testdata/tail_child.ts", import.meta.url).pathname,
          `${dir}/wal.kv`,
          `${dir}/logs/*.log`,
          `${dir}/logs/**`,
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
    const N = 20_000;
    const count = async () => (await messages(wal)).length;
    let next = 1;
    const writeSome = () => {
      const upto = Math.min(N, next + 199);
      write(path, numbered(next, upto));
      next = upto + 1;
    };
    const caughtUp = async () => {
      while ((await count()) < next - 1) await new Promise((r) => setTimeout(r, 10));
    };
    for (let round = 0; round < 3; round++) {
      const p = child();
      for (let k = 1; k <= 10; k++) {
        writeSome();
        // A rotation once the reader has seen the file (one it never saw is
        // not in the glob once renamed, and rightly never read).
        if (k % 4 === 0) {
          await caughtUp();
          Deno.renameSync(path, `${path}.${next}`);
        }
      }
      // Killed with lines written and not yet read, mid-file.
      const seen = await count();
      writeSome();
      while ((await count()) === seen) await new Promise((r) => setTimeout(r, 5));
      p.kill("SIGKILL");
      await p.status;
      // While it is down: more lines, a rotation, and lines in the new file.
      writeSome();
      Deno.renameSync(path, `${path}.${next}`);
      writeSome();
    }
    while (next <= N) writeSome();
    const last = child();
    try {
      const deadline = Date.now() + 30_000;
      while ((await count()) < N && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      last.kill("SIGKILL");
      await last.status;
    }
    const got = await messages(wal);
    const want = numbered(1, N);
    const at = got.findIndex((m, i) => m !== want[i]);
    assertEquals({
      length: got.length,
      at,
      around: at < 0 ? [] : got.slice(Math.max(0, at - 2), at + 3),
    }, {
      length: N,
      at: -1,
      around: [],
    });
  });
});

/** Lines of about 100 bytes: a few megabytes make tens of thousands. */
const padded = (from: number, to: number) =>
  numbered(from, to).map((l) => `${l} ${"x".repeat(90)}`);

/** Deno KV refuses a commit past 800 KiB; a batch must stay well under it. */
const KV_COMMIT_LIMIT = 800 * 1024;

async function sizes(wal: Wal): Promise<number[]> {
  const out: number[] = [];
  for await (const e of wal.entries()) out.push(e.data.length);
  return out;
}

async function positions(wal: Wal): Promise<number> {
  let n = 0;
  for await (const _ of wal.kv.list({ prefix: ["logs.file"] })) n++;
  return n;
}

Deno.test("logs: megabytes left unread in a copytruncate copy arrive in small batches, once, across a restart mid-copy", async () => {
  await withDir(async (dir, wal) => {
    await Deno.mkdir(`${dir}/logs`);
    const path = `${dir}/logs/app.log`;
    const src = [{ id: "s1", path }];
    write(path, padded(1, 10));
    const a = reader(wal, dir, src);
    await a.poll();
    a.close();
    // Down while 6 MB more are written, copied away and truncated.
    write(path, padded(11, 60_000));
    Deno.copyFileSync(path, `${path}.1`);
    Deno.truncateSync(path, 0);
    write(path, padded(60_001, 60_010));
    // One poll, then a restart part way through the copy.
    const b = reader(wal, dir, src);
    await b.poll();
    b.close();
    const part = (await messages(wal)).length;
    assert(part > 10 && part < 60_000, `read ${part} lines in the first poll`);
    const c = reader(wal, dir, src);
    for (let i = 0; i < 10; i++) await c.poll();
    c.close();
    assertEquals(await messages(wal), padded(1, 60_010));
    const big = Math.max(...await sizes(wal));
    assert(big < KV_COMMIT_LIMIT / 4, `a batch of ${big} bytes`);
    assertEquals(await positions(wal), 1);
  });
});

Deno.test("logs: a rotated file with megabytes unread is read to its end, then its position dropped", async () => {
  await withDir(async (dir, wal) => {
    await Deno.mkdir(`${dir}/logs`);
    const path = `${dir}/logs/app.log`;
    const r = reader(wal, dir, [{ id: "s1", path }]);
    let next = 1;
    for (let rotation = 1; rotation <= 3; rotation++) {
      write(path, padded(next, next + 9));
      await r.poll();
      // 3 MB written, then renamed away before the reader saw them.
      write(path, padded(next + 10, next + 29_999));
      Deno.renameSync(path, `${path}.${rotation}`);
      write(path, padded(next + 30_000, next + 30_004));
      next += 30_005;
      for (let i = 0; i < 6; i++) await r.poll();
    }
    r.close();
    assertEquals(await messages(wal), padded(1, next - 1));
    // Only the file at the name is remembered, not one position per rotated file.
    assertEquals(await positions(wal), 1);
  });
});
