/**
 * The main process's side of agent requests: each gets an id, goes to the
 * ingest process (which holds the agents' streams and times the agent out),
 * and resolves with the `agent.response` of that id. A safety timeout a
 * little past the ingest process's covers an ingest process that died with
 * the request.
 */
import type { ToIngest } from "../messages.ts";
import { type AgentAnswer, type AgentRequest, timeoutFor } from "./types.ts";

/** Past the ingest process's own timeout, so its "timeout" answer normally comes first. */
const SAFETY_MS = 2000;

/** Requests in flight from this process. */
export class AgentRequests {
  #next = 1;
  #pending = new Map<number, (a: AgentAnswer) => void>();

  constructor(private send: (cmd: ToIngest) => void) {}

  /** Asks the host's agent; never rejects: no answer is an answer of why. */
  ask(hostId: string, request: AgentRequest): Promise<AgentAnswer> {
    const id = this.#next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ ok: false, error: "timeout", message: "The agent did not answer in time" });
      }, timeoutFor(request) + SAFETY_MS);
      this.#pending.set(id, (a) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(a);
      });
      this.send({ type: "agent.request", id, hostId, request });
    });
  }

  /** The ingest process answered request `id`. */
  answered(id: number, result: AgentAnswer): void {
    this.#pending.get(id)?.(result);
  }

  /** The ingest process stopped: the streams it held, and their requests, are gone. */
  ingestStopped(): void {
    for (const answer of this.#pending.values()) {
      answer({ ok: false, error: "disconnected", message: "The hub's agent port restarted" });
    }
  }
}
