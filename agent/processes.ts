/**
 * The host's top processes by CPU and by memory, read from /proc for the
 * hub's `topProcesses` request (an alert asks at the moment it fires).
 *
 * CPU is measured, not read: each process's utime + stime from
 * `/proc/<pid>/stat`, twice, about {@link SAMPLE_MS} apart on a monotonic
 * clock; the difference over the window is its share of one core, as top
 * shows it. Memory is ranked by the resident pages in the same stat line, so
 * a reading is one file per pid, whatever the page size; only the processes
 * shown (at most twenty) have their `status` read, for their owner and their
 * exact VmRSS. A process that ends between the readings, or before its status
 * is read, is left out: on a busy host that is normal, never an error.
 *
 * Nothing here reads a command line or an environment: arguments can hold
 * secrets (`mysql -pSECRET`) and these snapshots are kept and shown by the
 * hub. The kernel's short name (comm) is what is reported.
 */
import { join } from "node:path";
import type { Process, TopProcesses } from "../proto/gen/sightline/agent/v1/agent_lean.ts";
import { parseMeminfo } from "./collectors/memory.ts";
import { readOptional } from "./collectors/proc.ts";

/**
 * Clock ticks per second of /proc's time fields (USER_HZ, what
 * `getconf CLK_TCK` prints): the kernel ABI fixes it at 100 on x86-64 and
 * arm64, whatever the kernel's internal HZ, so it is not asked for (that
 * would take a process spawn or FFI).
 */
export const USER_HZ = 100;
/** How many processes each list holds. */
export const TOP_N = 10;
/** The measuring window between the two readings. */
export const SAMPLE_MS = 500;

/** What one `/proc/<pid>/stat` line says. */
export interface ProcStat {
  pid: number;
  /** comm, between the parentheses (the same text as `/proc/<pid>/comm`). */
  name: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** starttime, in ticks since boot: a pid reused between readings is another process. */
  start: number;
  /** Resident pages. */
  rssPages: number;
}

/**
 * Parses `/proc/<pid>/stat` (proc(5)). The name may hold spaces and
 * parentheses, so the fields are counted from its last `)`.
 */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 1 || close < open) throw new SyntaxError("Cannot parse a /proc/<pid>/stat line");
  // After the name: state is field 3, utime 14, stime 15, starttime 22, rss 24.
  const f = text.slice(close + 2).split(" ", 22);
  const field = (n: number) => Number(f[n - 3]);
  const stat = {
    pid: Number(text.slice(0, open).trim()),
    name: text.slice(open + 1, close),
    ticks: field(14) + field(15),
    start: field(22),
    rssPages: field(24),
  };
  if (![stat.pid, stat.ticks, stat.start, stat.rssPages].every(Number.isFinite)) {
    throw new SyntaxError("Cannot parse a /proc/<pid>/stat line");
  }
  return stat;
}

/** The effective uid and VmRSS in bytes from `/proc/<pid>/status`; null where a line is missing. */
export function parseStatus(text: string): { uid: number | null; rssBytes: number | null } {
  const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(text);
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(text);
  return {
    uid: uid ? Number(uid[1]) : null,
    rssBytes: rss ? Number(rss[1]) * 1024 : null,
  };
}

/** User names by uid from an /etc/passwd (the first name of a uid wins, as getpwuid does). */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split("\n")) {
    const [name, , uid] = line.split(":");
    if (!name || !/^\d+$/.test(uid ?? "") || line.startsWith("#")) continue;
    if (!users.has(Number(uid))) users.set(Number(uid), name);
  }
  return users;
}

/** One reading: every process's stat line, by pid. */
export type Reading = Map<number, ProcStat>;

/** A process of the second reading with its CPU over the window. */
export interface Ranked {
  stat: ProcStat;
  cpuPercent: number;
}

/**
 * Ranks the processes of `next` by CPU over the `elapsedMs` since `prev`, and
 * by resident pages. A process `prev` did not hold (or held under another
 * start time: a reused pid) started within the window, so all its ticks are.
 * Ties go to the lower pid, so a ranking does not change with read order.
 */
export function rank(
  prev: Reading,
  next: Reading,
  elapsedMs: number,
): { byCpu: Ranked[]; byMemory: Ranked[] } {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const all: Ranked[] = [...next.values()].map((stat) => {
    const before = prev.get(stat.pid);
    const since = before && before.start === stat.start ? before.ticks : 0;
    const used = Math.max(0, stat.ticks - since) / USER_HZ;
    return { stat, cpuPercent: (used / seconds) * 100 };
  });
  const byPid = (a: Ranked, b: Ranked) => a.stat.pid - b.stat.pid;
  return {
    byCpu: all.toSorted((a, b) => b.cpuPercent - a.cpuPercent || byPid(a, b)),
    byMemory: all.toSorted((a, b) => b.stat.rssPages - a.stat.rssPages || byPid(a, b)),
  };
}

/**
 * Reads `procRoot/…parts`, or null when it is gone or hidden: a process that
 * ended (ENOENT, or ESRCH once open) or one a hidepid mount keeps from us.
 * Synchronous: a /proc file is in memory, and a read costs a few µs where an
 * async one costs a thread-pool round trip (5,000 files: about 35 ms against
 * 60–80 ms here); {@link readProcesses} yields between slices instead.
 */
function readGone(procRoot: string, ...parts: string[]): string | null {
  try {
    return Deno.readTextFileSync(join(procRoot, ...parts));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.PermissionDenied) {
      return null;
    }
    if ((err as { code?: string }).code === "ESRCH") return null;
    throw err;
  }
}

/** Pids read between two turns of the event loop, so the hub link is never held up long. */
const SLICE = 256;

/** Reads every process's stat line under `procRoot`; one file per pid. */
export async function readProcesses(procRoot: string): Promise<Reading> {
  const pids: string[] = [];
  for (const e of Deno.readDirSync(procRoot)) {
    if (/^\d+$/.test(e.name)) pids.push(e.name);
  }
  const reading: Reading = new Map();
  for (let i = 0; i < pids.length; i++) {
    if (i > 0 && i % SLICE === 0) await new Promise((r) => setImmediate(r));
    const text = readGone(procRoot, pids[i], "stat");
    if (text === null) continue;
    try {
      const stat = parseStat(text);
      reading.set(stat.pid, stat);
    } catch {
      // A line the kernel did not write (a broken fixture, a foreign mount): not a process.
    }
  }
  return reading;
}

/** How a sample is timed; tests replace both to control the window. */
export interface SampleClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Waits out the window between the two readings. */
  wait(): Promise<void>;
}

const REAL_CLOCK: SampleClock = {
  now: () => performance.now(),
  wait: () => new Promise((r) => setTimeout(r, SAMPLE_MS)),
};

/**
 * Samples the host's processes: the top {@link TOP_N} by CPU and by memory.
 * Users are named through `<root>/etc/passwd` where it is readable, else
 * shown as their uid. Throws where there is no /proc (macOS) or it cannot be
 * read, which the control channel answers as a failed request.
 */
export async function topProcesses(
  roots: { root: string; procRoot: string },
  clock: SampleClock = REAL_CLOCK,
): Promise<TopProcesses> {
  if (Deno.build.os !== "linux") {
    throw new Error(`Top processes are read from /proc, which ${Deno.build.os} does not have`);
  }
  const t0 = clock.now();
  const first = await readProcesses(roots.procRoot);
  await clock.wait();
  const t1 = clock.now();
  const second = await readProcesses(roots.procRoot);
  const unixMs = Date.now();
  const { byCpu, byMemory } = rank(first, second, t1 - t0);

  const meminfo = await readOptional(roots.procRoot, "meminfo");
  const memTotal = meminfo === null ? 0 : parseMeminfo(meminfo).totalBytes;
  const passwd = await readOptional(roots.root, "etc/passwd").catch(() => null);
  const users = passwd === null ? new Map<number, string>() : parsePasswd(passwd);

  // A process's status is read once, even when it is on both lists.
  const described = new Map<number, Process | null>();
  const describe = (r: Ranked): Process | null => {
    if (described.has(r.stat.pid)) return described.get(r.stat.pid)!;
    const text = readGone(roots.procRoot, String(r.stat.pid), "status");
    let p: Process | null = null;
    if (text !== null) {
      const { uid, rssBytes } = parseStatus(text);
      const rss = rssBytes ?? 0; // a kernel thread has no VmRSS line: it holds no user memory
      p = {
        pid: r.stat.pid,
        name: r.stat.name,
        user: uid === null ? "" : users.get(uid) ?? String(uid),
        cpuPercent: r.cpuPercent,
        rssBytes: rss,
        memPercent: memTotal > 0 ? Math.min(100, (rss / memTotal) * 100) : 0,
      };
    }
    described.set(r.stat.pid, p);
    return p;
  };
  /** The first {@link TOP_N} of `ranked` whose status could still be read. */
  const top = (ranked: Ranked[]) => {
    const out: Process[] = [];
    for (const r of ranked) {
      if (out.length === TOP_N) break;
      const p = describe(r);
      if (p) out.push(p);
    }
    return out;
  };
  const memory = top(byMemory);
  return {
    unixMs,
    total: second.size,
    byCpu: top(byCpu),
    // Ranked by resident pages, shown in VmRSS bytes, read a moment later: ordered by what is shown.
    byMemory: memory.toSorted((a, b) => b.rssBytes - a.rssBytes || a.pid - b.pid),
  };
}
