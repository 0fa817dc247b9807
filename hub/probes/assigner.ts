/**
 * Keeps each host's assigned checks (hub/probes/assign.ts) in its desired
 * state, and tells the agents of a change: at start, at once after a check
 * is changed, and shortly after a host comes, goes, changes tags or status
 * (an "any N" check moves off a host that went offline). Passes run one
 * at a time; a request while one runs makes one more pass after it.
 *
 * At a hub's start no host is known online yet: its agents connect again
 * over the next seconds, and other hubs say what they hold. Until the start-up
 * grace is over (the alert engine's, 60 s), a host nobody has said anything of
 * keeps the "any N" checks it is stored with, as if online: otherwise each
 * such check would be taken off its agents at every restart and sent back
 * when they reconnect. After the grace such a host is offline, and one more
 * pass moves its checks.
 */
import type { Logger } from "../../lib/log.ts";
import { hostChecks, setHostChecks } from "../control/desired.ts";
import type { Store } from "../store/store.ts";
import type { Host } from "../store/hosts/types.ts";
import { assignedHosts, fingerprint } from "./assign.ts";

export interface AssignerDeps {
  store: Pick<Store, "probes" | "hosts" | "settings">;
  /** Whether a host's agent is connected (to any hub) now. */
  online: (host: Host) => boolean;
  /** How long after start a host of no known status keeps its stored checks (default 60 s). */
  graceMs?: number;
  now?: () => number;
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
  #graceTimer?: ReturnType<typeof setTimeout>;
  #startedAt: number | null = null;
  /** Hosts whose status changed since this hub started (the alert engine's `#known`). */
  #heard = new Set<string>();
  #now: () => number;

  constructor(private deps: AssignerDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /** Whether hosts of no known status still keep their stored checks. */
  #inGrace(): boolean {
    if (this.#startedAt === null) {
      this.#startedAt = this.#now();
      // Once the grace is over, hosts still unheard of are offline: their checks move.
      this.#graceTimer = setTimeout(() => this.soon(), this.#graceMs());
    }
    return this.#now() - this.#startedAt < this.#graceMs();
  }

  #graceMs(): number {
    return this.deps.graceMs ?? 60_000;
  }

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

  /**
   * A host's overall status changed (any hub of the cluster): it is known. At start
   * the heartbeat worker holds every host offline until it speaks; that is no news.
   */
  statusHeard(hostId: string): void {
    this.#heard.add(hostId);
  }

  stop(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#graceTimer);
  }

  async #pass(): Promise<void> {
    const { store, online } = this.deps;
    const grace = this.#inGrace();
    const [checks, hosts] = await Promise.all([store.probes.listChecks(), store.hosts.list()]);
    const wanted = new Map(hosts.map((h) => [h.id, {} as Record<string, string>]));
    const assignable = hosts.map((h) => ({
      id: h.id,
      tags: h.tags,
      online: online(h),
      registered: h.registered,
    }));
    // In the grace, what each host of no known status is stored with.
    const unheard = new Map<string, Record<string, string>>();
    if (grace) {
      for (const h of hosts) {
        if (h.registered && !online(h) && !this.#heard.has(h.id)) {
          unheard.set(h.id, await hostChecks(store, h.id));
        }
      }
    }
    const sets = new Map<string, Set<string>>();
    for (const def of checks) {
      // An "any N" check stays on a host not heard of yet that it is stored on.
      const keeps = unheard.size && "any" in def.runs_on
        ? assignable.map((h) =>
          !h.online && unheard.get(h.id)?.[def.id] !== undefined ? { ...h, online: true } : h
        )
        : assignable;
      const on = assignedHosts(def, keeps);
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
