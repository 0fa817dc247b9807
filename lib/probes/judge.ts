/**
 * Judgement of one check from its agents' rounds: an agent is failing once
 * it has failed `rounds` rounds in a row, and no longer once it has passed
 * `recover_rounds` in a row; the check is down while at least `k` of its
 * agents are failing. One agent's bad network marks nothing down when k > 1,
 * and one good round does not end an incident that is still going on.
 * Pure: the hub feeds it stored results in order and acts on what it says.
 */

export type CheckStatus = "up" | "down" | "pending";

export interface JudgeRule {
  k: number;
  rounds: number;
  recover_rounds: number;
}

/** One agent's standing on the check. */
export interface AgentStanding {
  failing: boolean;
  /** Rounds in a row that failed (0 after a pass), and passed (0 after a failure). */
  failed: number;
  passed: number;
  /** The last failure's message, the cause an incident is given. */
  lastFailure: string;
}

/** A change of the check's status, with the round that made it. */
export interface Transition {
  from: CheckStatus;
  to: CheckStatus;
  at: number;
  /** Down: the failing agents' message; up: what the last passing round said. */
  cause: string;
  failingHosts: string[];
}

export class CheckJudge {
  #agents = new Map<string, AgentStanding>();
  #status: CheckStatus;

  /** Judged down before this judge began (a restart): agents start as failing. */
  #startFailing: boolean;

  constructor(private rule: JudgeRule, status: CheckStatus = "pending") {
    this.#status = status;
    this.#startFailing = status === "down";
  }

  get status(): CheckStatus {
    return this.#status;
  }

  standing(hostId: string): AgentStanding | undefined {
    return this.#agents.get(hostId);
  }

  /** The agents failing now. */
  failing(): string[] {
    return [...this.#agents].filter(([, a]) => a.failing).map(([h]) => h);
  }

  /** Takes one round of one agent; says when the check's status changed. */
  see(hostId: string, ok: boolean, at: number, message: string): Transition | null {
    let a = this.#agents.get(hostId);
    if (!a) {
      // After a restart mid-incident one passing round must not end it: each
      // agent recovers as it would have, after recover_rounds passes.
      a = { failing: this.#startFailing, failed: 0, passed: 0, lastFailure: "" };
      this.#agents.set(hostId, a);
    }
    if (ok) {
      a.passed++;
      a.failed = 0;
      if (a.failing && a.passed >= this.rule.recover_rounds) a.failing = false;
    } else {
      a.failed++;
      a.passed = 0;
      a.lastFailure = message;
      if (a.failed >= this.rule.rounds) a.failing = true;
    }
    return this.#judge(at, ok ? message : a.lastFailure);
  }

  /** The agents heard from (each has a standing). */
  agents(): string[] {
    return [...this.#agents.keys()];
  }

  /** An agent that no longer runs the check counts neither way; `why` is the cause if it comes up. */
  forget(hostId: string, at: number, why = ""): Transition | null {
    if (!this.#agents.delete(hostId)) return null;
    return this.#judge(at, why);
  }

  #judge(at: number, message: string): Transition | null {
    // Restored down: until k agents have been heard from, the unheard may still be failing.
    if (this.#startFailing && this.#agents.size < this.rule.k) return null;
    const failingHosts = this.failing();
    const down = failingHosts.length >= this.rule.k;
    // Pending until some agent has told anything; then up or down.
    const next: CheckStatus = down ? "down" : this.#agents.size ? "up" : "pending";
    if (next === this.#status) return null;
    const from = this.#status;
    this.#status = next;
    this.#startFailing = false;
    const cause = next === "down"
      ? this.#agents.get(failingHosts[failingHosts.length - 1])!.lastFailure
      : message;
    return { from, to: next, at, cause, failingHosts };
  }
}
