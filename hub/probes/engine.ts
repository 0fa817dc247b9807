/**
 * Judges every check from the rounds the hub stores (ingest tells the main
 * process of each batch): one CheckJudge per check (lib/probes/judge.ts),
 * its status changes recorded with their incidents and told live. A check
 * changed or removed is judged afresh. Judgement is in memory and starts
 * from the stored status, so a restarted hub neither re-opens nor loses an
 * incident; the streaks it had build up again from the next rounds.
 */
import type { Logger } from "../../lib/log.ts";
import type { CheckDef } from "../../lib/probes/check.ts";
import { CheckJudge, type Transition } from "../../lib/probes/judge.ts";
import type { CheckRound } from "../store/probes/types.ts";
import type { Store } from "../store/store.ts";

export interface StatusChange extends Transition {
  check: CheckDef;
}

export interface ProbeEngineDeps {
  store: Pick<Store, "probes">;
  log: Logger;
  /** Told of each status change once it is recorded. */
  changed?: (c: StatusChange) => void;
}

export class ProbeEngine {
  #checks = new Map<string, { def: CheckDef; judge: CheckJudge }>();
  /** Rounds are judged one batch after another, in the order they were stored. */
  #queue: Promise<void> = Promise.resolve();

  constructor(private deps: ProbeEngineDeps) {}

  /** Loads every check and its stored status. */
  async start(): Promise<void> {
    await this.reload();
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
    return this.#checks.get(checkId)?.judge;
  }

  /** Judges rounds one host's batch stored. */
  rounds(hostId: string, rounds: CheckRound[]): Promise<void> {
    this.#queue = this.#queue.catch(() => {}).then(async () => {
      for (const r of [...rounds].sort((a, b) => a.ts - b.ts)) {
        const c = this.#checks.get(r.check_id);
        if (!c) continue; // removed since, or not loaded yet: reload() catches up
        const t = c.judge.see(hostId, r.ok, r.ts, r.message);
        if (!t) continue;
        try {
          const recorded = await this.deps.store.probes.recordStatus(c.def.id, t.to, t.at, t.cause);
          if (recorded) this.deps.changed?.({ ...t, check: c.def });
        } catch (err) {
          this.deps.log.warn("Cannot record a check's status", { check: c.def.id, error: err });
        }
      }
    });
    return this.#queue;
  }
}
