import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { assert, assertEquals, assertThrows } from "../lib/assert.ts";
import {
  parsePasswd,
  parseStat,
  parseStatus,
  type ProcStat,
  rank,
  readProcesses,
  type SampleClock,
  TOP_N,
  topProcesses,
} from "./processes.ts";

const FIXTURE = fileURLToPath(new URL("testdata/procs", import.meta.url));
const read = (p: string) => Deno.readTextFileSync(join(FIXTURE, p));
const notLinux = Deno.build.os !== "linux";

Deno.test("parseStat() counts fields from the name's last parenthesis", () => {
  assertEquals(parseStat(read("proc/1500/stat")), {
    pid: 1500,
    name: "a) b (c",
    ticks: 15,
    start: 8100,
    rssPages: 800,
  });
  assertEquals(parseStat(read("proc/1203/stat")).name, "tmux: server");
  assertEquals(parseStat(read("proc/2/stat")).rssPages, 0, "a kernel thread holds no pages");
  assertThrows(() => parseStat("garbage"), SyntaxError);
  assertThrows(() => parseStat("12 (x) S 1"), SyntaxError); // a cut-off line
});

Deno.test("parseStatus() reads the effective uid and VmRSS; a kernel thread has no VmRSS", () => {
  assertEquals(parseStatus(read("proc/412/status")), { uid: 999, rssBytes: 2_000_000 * 1024 });
  assertEquals(parseStatus(read("proc/2/status")), { uid: 0, rssBytes: null });
  assertEquals(parseStatus("Uid:\t1000\t33\t33\t33\n").uid, 33, "the effective uid, as top shows");
  assertEquals(parseStatus(""), { uid: null, rssBytes: null });
});

Deno.test("parsePasswd() names uids; the first name of a uid wins; comments are skipped", () => {
  const users = parsePasswd(read("etc/passwd"));
  assertEquals(users.get(0), "root", "not the later toor");
  assertEquals(users.get(999), "postgres");
  assertEquals(users.get(1000), "alice");
  assertEquals(users.size, 4);
});

const stat = (pid: number, ticks: number, rssPages = 0, start = 1): ProcStat => ({
  pid,
  name: `p${pid}`,
  ticks,
  start,
  rssPages,
});
const reading = (...s: ProcStat[]) => new Map(s.map((x) => [x.pid, x]));

Deno.test("rank() measures CPU over the window: a new or reused pid counts from zero, one that ended is gone", () => {
  const prev = reading(stat(1, 100, 5), stat(2, 100, 50), stat(3, 100), stat(4, 999, 10, 7));
  // 1 used 50 ticks (0.5 s) in 0.5 s: one core. 2 none. 3 ended. 4 is another process now.
  const next = reading(stat(1, 150, 5), stat(2, 100, 50), stat(4, 10, 10, 900), stat(5, 20, 70));
  const { byCpu, byMemory } = rank(prev, next, 500);
  assertEquals(byCpu.map((r) => [r.stat.pid, r.cpuPercent]), [[1, 100], [5, 40], [4, 20], [2, 0]]);
  assertEquals(byMemory.map((r) => r.stat.pid), [5, 2, 4, 1]);
  assertEquals(rank(prev, reading(stat(1, 90)), 500).byCpu[0].cpuPercent, 0, "never negative");
});

Deno.test("readProcesses() reads each pid's stat and skips entries that are not processes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "7"));
    await Deno.writeTextFile(join(dir, "7/stat"), "not a stat line");
    await Deno.mkdir(join(dir, "8")); // ended before its stat was read
    await Deno.mkdir(join(dir, "sys"));
    const r = await readProcesses(FIXTURE + "/proc");
    assertEquals([...r.keys()].sort((a, b) => a - b), [1, 2, 412, 977, 1203, 1500]);
    assertEquals((await readProcesses(dir)).size, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A copy of the fixture tree, and a clock whose window runs `between` on a 500 ms clock. */
async function sampled(between: (proc: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await new Deno.Command("cp", { args: ["-r", `${FIXTURE}/.`, dir] }).output();
    const proc = join(dir, "proc");
    let t = 1000;
    const clock: SampleClock = { now: () => (t += 500), wait: () => between(proc) };
    return await topProcesses({ root: dir, procRoot: proc }, clock);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Rewrites the utime field of `pid`'s stat line under `proc`. */
async function addTicks(proc: string, pid: number, ticks: number) {
  const file = join(proc, String(pid), "stat");
  const text = await Deno.readTextFile(file);
  const close = text.lastIndexOf(")");
  const f = text.slice(close + 2).split(" ");
  f[11] = String(Number(f[11]) + ticks);
  await Deno.writeTextFile(file, `${text.slice(0, close + 2)}${f.join(" ")}`);
}

Deno.test({
  name: "topProcesses() ranks a fixture host by CPU over the window and by memory, with users",
  ignore: notLinux,
  async fn() {
    const top = await sampled(async (proc) => {
      await addTicks(proc, 977, 45); // node: 0.45 s of CPU in 0.5 s
      await addTicks(proc, 412, 5);
      await Deno.remove(join(proc, "1203"), { recursive: true }); // tmux ended
      await Deno.mkdir(join(proc, "2100"));
      await Deno.writeTextFile(
        join(proc, "2100/stat"),
        "2100 (sh) R 1 2100 2100 0 -1 4194560 0 0 0 0 20 0 0 0 20 0 1 0 9000 2 300 0\n",
      );
      await Deno.writeTextFile(
        join(proc, "2100/status"),
        "Uid:\t1000\t1000\t1000\t1000\nVmRSS:\t    1200 kB\n",
      );
    });
    assertEquals(top.total, 6, "five of the first reading and the new sh");
    assert(Math.abs(top.unixMs - Date.now()) < 10_000, `snapshot time ${top.unixMs}`);
    const cpu = top.byCpu.map((p) => [p.pid, p.name, p.user, Math.round(p.cpuPercent)]);
    assertEquals(cpu.slice(0, 3), [[977, "node", "alice", 90], [2100, "sh", "alice", 40], [
      412,
      "postgres",
      "postgres",
      10,
    ]]);
    assertEquals(top.byMemory.map((p) => p.pid), [412, 977, 1, 1500, 2100, 2]);
    const [pg] = top.byMemory;
    assertEquals([pg.rssBytes, pg.memPercent], [2_000_000 * 1024, 25]);
    const weird = top.byMemory.find((p) => p.pid === 1500)!;
    assertEquals([weird.name, weird.user], ["a) b (c", "4242"], "a uid with no name is its number");
    assertEquals(top.byMemory.at(-1)!.rssBytes, 0, "the kernel thread");
  },
});

Deno.test({
  name: "topProcesses() leaves out a process whose status is gone, and holds at most ten of each",
  ignore: notLinux,
  async fn() {
    const top = await sampled(async (proc) => {
      await Deno.remove(join(proc, "412/status"));
      for (let pid = 3000; pid < 3015; pid++) {
        await Deno.mkdir(join(proc, String(pid)));
        await Deno.writeTextFile(
          join(proc, `${pid}/stat`),
          `${pid} (w${pid}) R 1 1 1 0 -1 0 0 0 0 0 ${pid - 2990} 0 0 0 20 0 1 0 9000 2 ${pid} 0\n`,
        );
        await Deno.writeTextFile(join(proc, `${pid}/status`), "Uid:\t0\t0\t0\t0\nVmRSS:\t 4 kB\n");
      }
    });
    assertEquals(top.total, 21);
    assertEquals(top.byCpu.length, TOP_N);
    assertEquals(top.byMemory.length, TOP_N);
    assert(![...top.byCpu, ...top.byMemory].some((p) => p.pid === 412), "postgres is left out");
    assertEquals(top.byCpu[0], {
      pid: 3014,
      name: "w3014",
      user: "root",
      cpuPercent: 48,
      rssBytes: 4096,
      memPercent: 4096 / (8_000_000 * 1024) * 100,
    });
  },
});

Deno.test({
  name: "topProcesses() fails clearly where there is no /proc",
  ignore: notLinux,
  async fn() {
    const err = await topProcesses({ root: "/", procRoot: "/nonexistent/proc" }).catch((e) => e);
    assert(err instanceof Deno.errors.NotFound, String(err));
  },
});
