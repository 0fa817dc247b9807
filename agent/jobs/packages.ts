/**
 * The packages job: a full inventory of every package manager on the host a
 * while after the agent first starts (a minute by default), then only what
 * changed (added, removed, updated), checked every interval by the mtimes of
 * each manager's database files and rescanned whole at least daily. Every
 * batch is appended to the WAL as AgentMessage{packages}, so nothing is lost
 * while the hub is down, and what was sent is kept in the KV (state.ts), so a
 * restart sends only what changed meanwhile.
 *
 * A manager that cannot be read is listed in the batch's errors and its
 * packages are kept as last sent, never removed. The hub asks for a full
 * batch (packagesResync) when it finds it has no baseline; {@link
 * PackagesJob.resync} appends one and returns its seq.
 */
import {
  type CollectorError,
  createPackageBatch,
  encodeAgentMessage,
  encodePackage,
  encodePackageKey,
  type Package,
  type PackageBatch,
  type PackageKey,
} from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import type { Logger } from "../../lib/log.ts";
import {
  type Collected,
  collectManager,
  fingerprint,
  type PackageManagerDefinition,
  registeredManagers,
} from "../packages/mod.ts";
import { type Inventory, packageKey, type Sent, SentStore } from "../packages/state.ts";
import type { Job } from "../scheduler.ts";
import type { Wal } from "../wal.ts";

/** A day: the longest a delta waits, and how often every manager is read whole. */
export const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * The largest batch appended: the WAL writes a batch in one KV commit, which
 * holds at most 800 KiB. An inventory past it (about 10,000 packages) goes as
 * a full batch and deltas continuing it, each under this.
 */
export const MAX_BATCH_BYTES = 640 * 1024;

/**
 * Candidate updates, where the host can tell without root or network: given
 * the installed packages of one manager, the newer versions its caches know
 * of, by {@link packageKey}. `watch` is what tells its caches changed, as a
 * manager's (null: no cache on this host).
 */
export interface UpdateSource {
  manager: string;
  watch(root: string): Promise<string | null>;
  candidates(
    root: string,
    installed: Package[],
  ): Promise<Map<string, { version: string; security: boolean }>>;
}

/** What the packages job needs from the rest of the agent. */
export interface PackagesDeps {
  root: string;
  wal: Wal;
  agentId: string;
  /** Told after each batch is in the WAL (the hub link). */
  sender: { notify(): void };
  log: Logger;
  /** How often the databases' mtimes are checked. */
  checkMs: number;
  /** When the first check runs after the job starts. */
  initialDelayMs: number;
  /** The managers to look for; by default every one registered for this OS. */
  managers?: PackageManagerDefinition[];
  updates?: UpdateSource[];
  /** The longest a delta waits (and a full rescan); a day unless a test says otherwise. */
  dailyMs?: number;
  maxBatchBytes?: number;
  /** The clock (tests move it a day on). */
  now?: () => number;
}

interface ManagerState {
  fingerprint: string;
  collected: Collected;
  /** The error last logged, so one failing the same way every check is logged once. */
  logged?: string;
}

/** The job and its resync. */
export class PackagesJob implements Job {
  readonly name = "packages";
  readonly schedule: Job["schedule"];
  #deps: PackagesDeps;
  #store: SentStore;
  #managers: PackageManagerDefinition[];
  #state = new Map<string, ManagerState>();
  #updatesSeen = new Map<string, string | null>();
  #updates = new Map<string, Map<string, { version: string; security: boolean }>>();
  /** What was sent, loaded on the first check; undefined until then. */
  #sent: Sent | null | undefined;
  /** When every manager was last read whole. */
  #rescannedAt = 0;
  /** Checks and resyncs run one at a time. */
  #lock: Promise<unknown> = Promise.resolve();

  constructor(deps: PackagesDeps) {
    this.#deps = deps;
    this.#store = new SentStore(deps.wal.kv, deps.agentId);
    this.#managers = deps.managers ?? registeredManagers(Deno.build.os);
    this.schedule = {
      kind: "interval",
      everyMs: deps.checkMs,
      initialDelayMs: deps.initialDelayMs,
    };
  }

  /** The scheduled check. */
  async run(): Promise<void> {
    await this.check();
  }

  /** One check: appends a batch if something changed (or a day passed); returns its seq or null. */
  check(): Promise<number | null> {
    return this.#serial(() => this.#check(false));
  }

  /** Appends a full inventory now and returns its seq. */
  resync(): Promise<number> {
    return this.#serial(async () => (await this.#check(true))!);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => {});
    return run;
  }

  async #check(full: boolean): Promise<number | null> {
    const { root, log } = this.#deps;
    const daily = this.#deps.dailyMs ?? DAY_MS;
    if (this.#sent === undefined) this.#sent = await this.#store.load();
    const now = (this.#deps.now ?? Date.now)();
    const rescan = now - this.#rescannedAt >= daily;
    let changed = false;

    const found = new Set<string>();
    const read = new Set<string>();
    for (const def of this.#managers) {
      const fp = await fingerprint(def, root).catch(() => `unreadable ${Date.now()}`);
      if (fp === null) {
        if (this.#state.delete(def.name)) changed = true;
        continue;
      }
      found.add(def.name);
      const held = this.#state.get(def.name);
      if (held && held.fingerprint === fp && !rescan) continue;
      const collected = await collectManager(def, root);
      const error = "error" in collected ? collected.error : undefined;
      if (error !== undefined && error !== held?.logged) {
        log.warn("Package collector failed", { manager: def.name, error });
      }
      this.#state.set(def.name, { fingerprint: fp, collected, logged: error });
      read.add(def.name);
      changed = true;
    }
    if (rescan) this.#rescannedAt = now;
    if (await this.#refreshUpdates(read)) changed = true;

    const sent = this.#sent;
    const managers = [...found].sort();
    const errors: CollectorError[] = [];
    for (const [manager, s] of this.#state) {
      if ("error" in s.collected) errors.push({ collector: manager, message: s.collected.error });
    }
    // A manager found, gone, failing or read again is news for the hub even when no package moved.
    const meta = JSON.stringify([managers, errors.map((e) => e.collector)]);
    const due = sent === null || full || now - sent.sentAt >= daily || meta !== sent.managers;
    if (!changed && !due) return null;

    const current = this.#inventory(sent);
    let seq: number;
    if (sent === null || full) {
      seq = await this.#appendFull(now, managers, errors, current);
    } else {
      const upsert: Package[] = [];
      const removed: PackageKey[] = [];
      for (const [key, p] of current) {
        const before = sent.packages.get(key);
        if (!before || !samePackage(before, p)) upsert.push(p);
      }
      for (const [key, p] of sent.packages) {
        if (!current.has(key)) removed.push({ manager: p.manager, name: p.name, arch: p.arch });
      }
      if (!upsert.length && !removed.length && !due) return null;
      seq = await this.#appendDelta(now, sent, managers, errors, upsert, removed, current.size);
    }
    this.#sent = {
      baselineSeq: sent === null || full ? seq : sent.baselineSeq,
      sentAt: now,
      packages: current,
      managers: meta,
    };
    // After the WAL append: a crash between sends the same changes again on restart, which the
    // hub applies as no change (or, after a full batch, a delta on the old baseline it refuses
    // and answers with a resync), never a change that is lost.
    await this.#store.save(this.#sent);
    this.#deps.sender.notify();
    return seq;
  }

  /** The inventory now: each manager read, with its updates; an unreadable one's as last sent. */
  #inventory(sent: Sent | null): Inventory {
    const out: Inventory = new Map();
    for (const [manager, s] of this.#state) {
      if ("error" in s.collected) {
        for (const [key, p] of sent?.packages ?? []) if (p.manager === manager) out.set(key, p);
        continue;
      }
      const updates = this.#updates.get(manager);
      for (const p of s.collected.packages) {
        const key = packageKey(p);
        const u = updates?.get(key);
        out.set(key, {
          manager: p.manager,
          name: p.name,
          arch: p.arch,
          version: p.version,
          updateVersion: u?.version ?? "",
          securityUpdate: u?.security ?? false,
        });
      }
    }
    return out;
  }

  /** Recomputes candidates where the caches or the managers in `read` changed; true if any did. */
  async #refreshUpdates(read: Set<string>): Promise<boolean> {
    let changed = false;
    for (const src of this.#deps.updates ?? []) {
      const s = this.#state.get(src.manager);
      const fp = s && !("error" in s.collected)
        ? await src.watch(this.#deps.root).catch(() => null)
        : null;
      if (fp === null) {
        if (this.#updates.delete(src.manager)) changed = true;
        this.#updatesSeen.delete(src.manager);
        continue;
      }
      if (!read.has(src.manager) && this.#updatesSeen.get(src.manager) === fp) continue;
      this.#updatesSeen.set(src.manager, fp);
      const installed = (s!.collected as { packages: Package[] }).packages;
      try {
        this.#updates.set(src.manager, await src.candidates(this.#deps.root, installed));
      } catch (err) {
        // Updates are a hint: without them the inventory still goes, with none pending.
        this.#deps.log.warn("Cannot read package updates", {
          manager: src.manager,
          error: (err as Error).message,
        });
        this.#updates.delete(src.manager);
      }
      changed = true;
    }
    return changed;
  }

  async #appendFull(
    now: number,
    managers: string[],
    errors: CollectorError[],
    current: Inventory,
  ): Promise<number> {
    const parts = split([...current.values()], [], this.#deps.maxBatchBytes ?? MAX_BATCH_BYTES);
    let first = 0;
    let total = 0;
    for (const [i, part] of parts.entries()) {
      total += part.upsert.length;
      const seq = await this.#append({
        unixMs: now,
        full: i === 0,
        managers,
        errors,
        upsert: part.upsert,
        total,
        // The hub logs none of it as changes: it is one inventory, cut to fit the WAL.
        partOfFull: parts.length > 1,
      }, i === 0 ? undefined : first);
      if (i === 0) first = seq;
    }
    this.#deps.log.info("Package inventory queued", {
      seq: first,
      packages: current.size,
      batches: parts.length,
    });
    return first;
  }

  async #appendDelta(
    now: number,
    sent: Sent,
    managers: string[],
    errors: CollectorError[],
    upsert: Package[],
    removed: PackageKey[],
    finalTotal: number,
  ): Promise<number> {
    const parts = split(upsert, removed, this.#deps.maxBatchBytes ?? MAX_BATCH_BYTES);
    let total = sent.packages.size;
    let first = 0;
    for (const [i, part] of parts.entries()) {
      // Each part's total is the count after it: the upserts that are new, less the removals.
      total += part.upsert.filter((p) => !sent.packages.has(packageKey(p))).length -
        part.removed.length;
      const seq = await this.#append({
        unixMs: now,
        full: false,
        managers,
        errors,
        upsert: part.upsert,
        removed: part.removed,
        total: i === parts.length - 1 ? finalTotal : total,
      }, sent.baselineSeq);
      if (i === 0) first = seq;
    }
    this.#deps.log.info("Package changes queued", {
      seq: first,
      upserted: upsert.length,
      removed: removed.length,
      total: finalTotal,
    });
    return first;
  }

  /** Appends one batch; its baseline is its own seq (a full batch) or `baseline`. */
  #append(b: Partial<PackageBatch>, baseline?: number): Promise<number> {
    return this.#deps.wal.append((seq) =>
      encodeAgentMessage({
        kind: {
          case: "packages",
          value: createPackageBatch({ ...b, seq, baselineSeq: baseline ?? seq }),
        },
      })
    );
  }
}

function samePackage(a: Package, b: Package): boolean {
  return a.version === b.version && a.updateVersion === b.updateVersion &&
    a.securityUpdate === b.securityUpdate;
}

/**
 * Splits upserts and removals into parts of at most `max` encoded bytes
 * (always at least one part, so an empty delta still goes).
 */
export function split(
  upsert: Package[],
  removed: PackageKey[],
  max: number,
): Array<{ upsert: Package[]; removed: PackageKey[] }> {
  // Room for the batch's own fields (managers, errors, counts) besides its packages.
  const budget = max - 8 * 1024;
  const parts = [{ upsert: [] as Package[], removed: [] as PackageKey[] }];
  let size = 0;
  const room = (n: number) => {
    if (size + n > budget && size > 0) {
      parts.push({ upsert: [], removed: [] });
      size = 0;
    }
    size += n;
  };
  for (const k of removed) {
    room(encodePackageKey(k).length + 4);
    parts.at(-1)!.removed.push(k);
  }
  for (const p of upsert) {
    room(encodePackage(p).length + 4);
    parts.at(-1)!.upsert.push(p);
  }
  return parts;
}
