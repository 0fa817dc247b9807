/**
 * Judges every check from the rounds the hub stores (ingest tells the main
 * process of each batch): one CheckJudge per check (lib/probes/judge.ts),
 * its status changes recorded with their incidents and told live. A check
 * changed or removed is judged afresh. Judgement is in memory and starts
 * from the stored status, so a restarted hub neither re-opens nor loses an
 * incident; the streaks it had build up again from the next rounds. Only
 * the agents a check is assigned to are judged (the assigner tells each
 * pass): one the check left counts neither way, and what it still sends of
 * the check (rounds from its WAL) is stored but not judged.
 */
import type { Logger } from "../../lib/log.ts";
import type { CheckDef } from "../../lib/probes/check.ts";
import { CheckJudge, type Transition } from "../../lib/probes/judge.ts";
import type { CheckRound } from "../store/probes/types.ts";
import type { Store } from "../store/store.ts";
import { lastPush, recordPush } from "./push.ts";

export interface StatusChange extends Transition {
  check: CheckDef;
}

export interface ProbeEngineDeps {
  store: Pick<Store, "probes" | "settings">;
  log: Logger;
  /** Told of each status change once it is recorded. */
  changed?: (c: StatusChange) => void;
  now?: () => number;
}

/** How often push checks are judged for silence. */
const PUSH_TICK_MS = 5000;

export class ProbeEngine {
  #checks = new Map<string, { def: CheckDef; judge: CheckJudge }>();
  /** Rounds are judged one batch after another, in the order they were stored. */
  #queue: Promise<void> = Promise.resolve();

  /** When this engine first knew each push check: silence counts from then when none came. */
  #seen = new Map<string, number>();
  #timer?: ReturnType<typeof setInterval>;
  #now: () => number;
  /** Which hosts run each check, from the assigner's last pass; null before the first. */
  #assigned: ReadonlyMap<string, ReadonlySet<string>> | null = null;

  constructor(private deps: ProbeEngineDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /** Loads every check and its stored status, and judges push checks from then on. */
  async start(): Promise<void> {
    await this.reload();
    this.#timer = setInterval(() => void this.judgePushes(), PUSH_TICK_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** A push check was called (its secret checked): record it, and judge it at once. */
  async pushed(checkId: string): Promise<void> {
    await recordPush(this.deps.store, checkId, this.#now());
    await this.judgePushes(checkId);
  }

  /**
   * Judges every push check from what is stored: up while its last push is
   * within its interval, down once it is not. Idempotent, so every hub may
   * run it (recordStatus makes a transition once).
   */
  judgePushes(only?: string): Promise<void> {
    this.#queue = this.#queue.catch(() => {}).then(async () => {
      const now = this.#now();
      const pushes = [...this.#checks.values()].filter((c) =>
        c.def.type === "push" && (!only || c.def.id === only)
      );
      if (!pushes.length) return;
      const states = new Map((await this.deps.store.probes.states()).map((s) => [s.check_id, s]));
      for (const c of pushes) {
        const seen = this.#seen.get(c.def.id) ?? now;
        this.#seen.set(c.def.id, seen);
        const last = await lastPush(this.deps.store, c.def.id);
        const periodMs = c.def.interval_s * 1000;
        const silent = now - (last ?? seen) > periodMs;
        const stored = states.get(c.def.id)?.status ?? "pending";
        const next = silent ? "down" : last !== null ? "up" : stored;
        if (next === stored) continue;
        const cause = silent
          ? last === null
            ? `no push in ${c.def.interval_s} s`
            : `no push since ${new Date(last).toISOString()}`
          : "push received";
        const at = silent ? (last ?? seen) + periodMs : last!;
        try {
          if (await this.deps.store.probes.recordStatus(c.def.id, next, at, cause)) {
            this.deps.changed?.({
              from: stored,
              to: next,
              at,
              cause,
              failingHosts: [],
              check: c.def,
            });
          }
        } catch (err) {
          this.deps.log.warn("Cannot record a check's status", { check: c.def.id, error: err });
        }
      }
    });
    return this.#queue;
  }

  /** Reads the checks again: a changed one is judged afresh, a removed one dropped. */
  reload(): Promise<void> {
    this.#queue = this.#queue.catch(() => {}).then(async () => {
      const [defs, states] = await Promise.all([
        this.deps.store.probes.listChecks(),
        this.deps.store.probes.states(),
      ]);
      const status = new Map(states.map((s) => [s.check_id, s.status]));
      const next = new Map<string, { def: CheckDef; judge: CheckJudge }>();
      for (const def of defs) {
        const had = this.#checks.get(def.id);
        const same = had && JSON.stringify(had.def) === JSON.stringify(def);
        next.set(
          def.id,
          same ? had : {
            def,
            judge: new CheckJudge(def, status.get(def.id) ?? "pending"),
          },
        );
      }
      this.#checks = next;
    });
    return this.#queue;
  }

  /** The judge of a check (its status and each agent's standing), for the API. */
  judge(checkId: string): CheckJudge | undefined {
    const c = this.#checks.get(checkId);
    // A push check is judged from the store (judgePushes), not by rounds.
    return c?.def.type === "push" ? undefined : c?.judge;
  }

  /**
   * The assigner's pass: which hosts run each check now. An agent a check
   * left (offline from an "any N" check, taken off its hosts or its tag) is
   * forgotten: a failure it had would otherwise hold the check down for good.
   * A check no agent runs is pending again.
   */
  assigned(sets: ReadonlyMap<string, ReadonlySet<string>>): Promise<void> {
    this.#queue = this.#queue.catch(() => {}).then(async () => {
      this.#assigned = sets;
      const at = this.#now();
      for (const c of this.#checks.values()) {
        const on = sets.get(c.def.id);
        for (const hostId of c.judge.agents()) {
          if (on?.has(hostId)) continue;
          const t = c.judge.forget(hostId, at, "the failing agents no longer run it");
          if (t) await this.#record(c.def, t);
        }
      }
    });
    return this.#queue;
  }

  /** Judges rounds one host's batch stored. */
  rounds(hostId: string, rounds: CheckRound[]): Promise<void> {
    this.#queue = this.#queue.catch(() => {}).then(async () => {
      for (const r of [...rounds].sort((a, b) => a.ts - b.ts)) {
        const c = this.#checks.get(r.check_id);
        if (!c) continue; // removed since, or not loaded yet: reload() catches up
        // A push check is judged by its pushes; a round of an agent the check left is history.
        if (c.def.type === "push") continue;
        if (this.#assigned && !this.#assigned.get(c.def.id)?.has(hostId)) continue;
        const t = c.judge.see(hostId, r.ok, r.ts, r.message);
        if (t) await this.#record(c.def, t);
      }
    });
    return this.#queue;
  }

  async #record(def: CheckDef, t: Transition): Promise<void> {
    try {
      const recorded = await this.deps.store.probes.recordStatus(def.id, t.to, t.at, t.cause);
      if (recorded) this.deps.changed?.({ ...t, check: def });
    } catch (err) {
      this.deps.log.warn("Cannot record a check's status", { check: def.id, error: err });
    }
  }
}
