/**
 * Keeps each host's assigned checks (hub/probes/assign.ts) in its desired
 * state, and tells the agents of a change: at start, at once after a check
 * is changed, and shortly after a host comes, goes, changes tags or status
 * (an "any N" check moves off a host that went offline). Passes run one
 * at a time; a request while one runs makes one more pass after it.
 */
import type { Logger } from "../../lib/log.ts";
import { setHostChecks } from "../control/desired.ts";
import type { Store } from "../store/store.ts";
import type { Host } from "../store/hosts/types.ts";
import { assignedHosts, fingerprint } from "./assign.ts";

export interface AssignerDeps {
  store: Pick<Store, "probes" | "hosts" | "settings">;
  /** Whether a host's agent is connected (to any hub) now. */
  online: (host: Host) => boolean;
  /** The host's desired state changed: push it (main.ts: ingest and the cluster). */
  desiredChanged: (hostId: string) => void;
  /** After each pass: which hosts run each check (every check is there, a push check with none). */
  assigned?: (sets: Map<string, Set<string>>) => void | Promise<void>;
  log: Logger;
}

const SETTLE_MS = 1000;

export class ProbeAssigner {
  #running: Promise<void> | null = null;
  #again = false;
  #timer?: ReturnType<typeof setTimeout>;

  constructor(private deps: AssignerDeps) {}

  /** One pass now (or right after the one running); resolves once the agents were told. */
  sync(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#pass();
        } while (this.#again);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  /** A pass soon: hosts change in bursts (a reconnect storm), one pass covers them. */
  soon(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.sync().catch((err) => this.deps.log.warn("Cannot assign checks", { error: err }));
    }, SETTLE_MS);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  async #pass(): Promise<void> {
    const { store, online } = this.deps;
    const [checks, hosts] = await Promise.all([store.probes.listChecks(), store.hosts.list()]);
    const wanted = new Map(hosts.map((h) => [h.id, {} as Record<string, string>]));
    const assignable = hosts.map((h) => ({
      id: h.id,
      tags: h.tags,
      online: online(h),
      registered: h.registered,
    }));
    const sets = new Map<string, Set<string>>();
    for (const def of checks) {
      const on = assignedHosts(def, assignable);
      sets.set(def.id, new Set(on));
      if (!on.length) continue; // a push check, or no host to run it yet
      const print = fingerprint(def);
      for (const id of on) wanted.get(id)![def.id] = print;
    }
    for (const [hostId, set] of wanted) {
      if (await setHostChecks(store, hostId, set)) this.deps.desiredChanged(hostId);
    }
    await this.deps.assigned?.(sets);
  }
}
