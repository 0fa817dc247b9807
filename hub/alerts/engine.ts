/**
 * The alert engine of one hub, in its main process: judges what agents send
 * as it lands, from the same events that feed the browsers (a stored batch,
 * a status change, a heartbeat), never by reading the database back. What
 * it holds in memory is the open alerts (pending, firing) and the rules;
 * every transition is written first (hub/store/alerts, a compare-and-set on
 * the alert's row, with its notification queued in the same transaction)
 * and held only once written, so a restart starts from the store and
 * neither forgets a pending `for` nor fires twice.
 *
 * Time-driven steps (an offline host's `for`, absent data, reminders) run
 * from a one-second tick over what is held in memory.
 *
 * Several hubs on one database: the hub holding an agent's stream judges
 * its samples; every hub judges liveness (each sees the whole cluster's
 * status) and the store's claims make each transition happen once. A hub
 * whose claim lost reads the alert back and goes on from it.
 */
import type { Logger } from "../../lib/log.ts";
import {
  type AlertRule,
  beyond,
  DEFAULT_RULES,
  EACH,
  inScope,
  labelsKey,
  type Severity,
} from "../../lib/alerts/rules.ts";
import { metric } from "../../lib/metrics.ts";
import { type AlertView, alertView } from "../../lib/alerts/view.ts";
import type { Store } from "../store/store.ts";
import type { Channel } from "../store/notifications/types.ts";
import type { Host } from "../store/hosts/types.ts";
import type {
  Alert,
  NotificationKind,
  NotifySpec,
  ProcessSnapshot,
} from "../store/alerts/types.ts";
import { type Held, judgeCondition, judgeValue, type Step } from "./judge.ts";
import { Mutes } from "./mutes.ts";

/** A sample of a stored batch: metric, label value, value. */
export type Sample = readonly [metric: string, label: string, value: number];

/** Which live event a transition is. */
export type AlertEventName =
  | "alert.pending"
  | "alert.firing"
  | "alert.resolved"
  | "alert.cancelled"
  | "alert.acknowledged";

export interface EngineDeps {
  store: Pick<Store, "alerts" | "notifications" | "hosts">;
  log: Logger;
  /** Publishes a transition to browsers (and the cluster's). */
  publish?: (event: AlertEventName, alert: AlertView) => void;
  /** Asks a host's agent for its top processes (CPU and memory rules, when they fire). */
  processes?: (hostId: string) => Promise<ProcessSnapshot>;
  /** A notification was queued: the delivery loop should look. */
  queued?: () => void;
  now?: () => number;
  /** How long after start a host nobody has reported on counts as offline (default 60 s). */
  graceMs?: number;
}

/** Metrics whose alerts carry the top processes when they fire. */
const PROCESS_METRICS = new Set(["cpu_percent", "cpu_user", "cpu_system", "cpu_iowait"].concat(
  ["mem_used_percent", "mem_used_bytes", "mem_available_bytes", "swap_used_bytes"],
));

const TICK_MS = 1000;

interface HostView {
  id: string;
  name: string;
  tags: string[];
  registered: boolean;
  lastSeen: number | null;
}

/**
 * An open alert as held. A step changes it at once, so the next sample is
 * judged against it, and is written in the host's order behind the writes
 * before it; a write that finds the store elsewhere (another hub's claim)
 * reads the host's alerts back.
 */
interface Entry {
  alert: Alert;
  /** Batches in a row that did not carry its series (a mount gone, a container removed). */
  missing?: number;
}

/**
 * Batches in a row without an open alert's series after which it closes as no
 * longer reported: one is a reading the collector skipped (a rate needs two
 * readings after a restart), two is a series that is gone.
 */
const GONE_AFTER = 2;

/** A threshold rule that watches a host, and the series its selector wants (undefined: the one). */
interface Scoped {
  rule: AlertRule;
  want: string | undefined;
  /** The metric's label name ("" for a metric with one series). */
  labelName: string;
}

/** What watches one host: threshold rules by metric, and the no-data and collector rules. */
interface Watch {
  byMetric: Map<string, Scoped[]>;
  /** No-data rules by the metric they wait for, each with the series its selector wants. */
  nodata: Map<string, Scoped[]>;
  collectors: AlertRule[];
}

/** What the engine keeps of a stored host. */
function hostView(h: Host): HostView {
  return {
    id: h.id,
    name: h.name,
    tags: h.tags,
    registered: h.registered,
    lastSeen: h.last_seen ? Date.parse(h.last_seen) : null,
  };
}

/** An alert's key; an alert on no host (a push check's) has "" for its host, which no host id is. */
const keyOf = (ruleId: string, hostId: string | null, lk: string) =>
  `${ruleId}\u0000${hostId ?? ""}\u0000${lk}`;

export class AlertEngine {
  #rules: AlertRule[] = [];
  /** Each enabled rule's kind, by id. */
  #kindOf = new Map<string, AlertRule["kind"]>();
  /** Each enabled rule as last read, to tell which changed. */
  #specs = new Map<string, string>();
  #byMetric = new Map<string, AlertRule[]>();
  /** What {@link AlertEngine.#watch} keeps: per host, and shared by hosts alike. */
  #scoped = new WeakMap<HostView, { rules: AlertRule[]; watch: Watch }>();
  #scopes = { rules: this.#rules, byIds: new Map<string, Watch>() };
  #ofKind = new Map<AlertRule["kind"], AlertRule[]>();
  #channels: Channel[] = [];
  #mutes = new Mutes();
  #hosts = new Map<string, HostView>();
  /** Open alerts by (rule, host, series), and each host's keys (null: those on no host). */
  #open = new Map<string, Entry>();
  #byHost = new Map<string | null, Set<string>>();
  /** Cluster-wide liveness: hosts offline, since when. */
  #offline = new Map<string, number>();
  #known = new Set<string>();
  /** Hosts whose streams this hub holds, since when: they are the ones whose data it sees. */
  #local = new Map<string, number>();
  /** Nodata rule → host → when the metric was last seen. */
  #seen = new Map<string, Map<string, number>>();
  /**
   * When the tick next has something to do for each time-driven kind, or 0:
   * look at once. The tick walks offline hosts, nodata rules × local hosts
   * and the open alerts (reminders) only once one of them may be due, so a
   * quiet fleet of 10,000 hosts costs it nothing most seconds. A due time is
   * a lower bound: whatever could bring it earlier (an alert closing, a host
   * coming or going, a reload, any transition) sets it to 0.
   */
  #due = { offline: 0, nodata: 0, remind: 0 };
  /** Host → when its agent last said it dropped batches. */
  #drops = new Map<string, { total: number; at: number }>();
  /** Hosts that dropped batches lately: the WAL rules' resolves are waited for on these only. */
  #dropping = new Set<string>();
  /** Each host's writes in order; null: those of alerts on no host. */
  #queues = new Map<string | null, Promise<void>>();
  #learning = new Set<string>();
  /** The read of rules under way or last done, and the one waiting for it (see reload). */
  #reloading: Promise<void> = Promise.resolve();
  #reloadQueued: Promise<void> | null = null;
  /** Judgements of alerts on no host, one after another (see checkStatus). */
  #nowhere: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | null = null;
  #startedAt = 0;
  #graceOver = false;
  #now: () => number;

  constructor(private deps: EngineDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /** Adds the default rules on a new database, loads what the store holds, starts the tick. */
  async start(): Promise<void> {
    const now = this.#now();
    await this.deps.store.alerts.seedDefaults(
      DEFAULT_RULES.map((d) => ({ ...d.rule, id: d.key })),
      now,
    );
    await this.reload();
    for (const h of await this.deps.store.hosts.list()) {
      this.#hosts.set(h.id, hostView(h));
    }
    for (const a of await this.deps.store.alerts.openAlerts()) this.#hold(a);
    this.#startedAt = now;
    this.#timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Something changed that may make a time-driven condition due sooner: look at once. */
  #wake(): void {
    this.#due.offline = this.#due.nodata = this.#due.remind = 0;
  }

  /**
   * An open alert of `ruleId` closed, or the held alerts changed: an offline
   * or nodata condition that still holds must open again, and the reminders'
   * next due time may have moved.
   */
  #changed(ruleId: string): void {
    this.#due.remind = 0;
    const kind = this.#kindOf.get(ruleId);
    if (kind === "offline") this.#due.offline = 0;
    else if (kind === "nodata") this.#due.nodata = 0;
  }

  /** Waits for every write under way (tests, shutdown). */
  async settled(): Promise<void> {
    do {
      await this.#nowhere;
      await Promise.all(this.#queues.values());
    } while (this.#queues.size);
  }

  /**
   * Reads rules, mutes and channels again (they changed here or on another
   * hub). Reads run one at a time, and a call made while one runs waits for
   * a read begun after it: two reads at once could end in either order, and
   * one begun before a change, ending last, would put the old rules back
   * until the next change (a rule created, never judged).
   */
  reload(): Promise<void> {
    if (this.#reloadQueued) return this.#reloadQueued;
    const next = this.#reloading.catch(() => {}).then(() => {
      this.#reloadQueued = null;
      return this.#read();
    });
    this.#reloading = this.#reloadQueued = next;
    return next;
  }

  async #read(): Promise<void> {
    const s = this.deps.store;
    const [rules, silences, windows, channels] = await Promise.all([
      s.alerts.rules(),
      s.alerts.silences(),
      s.alerts.windows(),
      s.notifications.channels(),
    ]);
    this.#rules = rules.filter((r) => r.enabled);
    this.#byMetric.clear();
    this.#ofKind.clear();
    for (const r of this.#rules) {
      if (r.kind === "threshold" && r.metric) {
        this.#byMetric.set(r.metric, [...this.#byMetric.get(r.metric) ?? [], r]);
      }
      this.#ofKind.set(r.kind, [...this.#ofKind.get(r.kind) ?? [], r]);
    }
    this.#kindOf = new Map(this.#rules.map((r) => [r.id, r.kind]));
    this.#mutes = new Mutes(silences, windows);
    this.#channels = channels.filter((c) => c.enabled);
    // A rule changed, disabled or removed had its open alerts closed by the store.
    const specs = new Map(this.#rules.map((r) => [r.id, JSON.stringify(r)]));
    for (const [key, e] of this.#open) {
      const id = e.alert.rule_id;
      const was = this.#specs.get(id);
      if (!specs.has(id) || (was !== undefined && was !== specs.get(id))) {
        this.#drop(key, e.alert.host_id);
      }
    }
    this.#specs = specs;
    this.#wake();
  }

  /**
   * An alert of the host changed outside the engine (acknowledged): read its
   * alerts again (null: the alerts on no host).
   */
  reloadHost(hostId: string | null): Promise<void> {
    this.#enqueue(hostId, () => this.#resync(hostId));
    return this.#queues.get(hostId)!;
  }

  /** A host was added, renamed or retagged. */
  hostChanged(h: { id: string; name?: string; tags?: string[]; registered?: boolean }): void {
    const known = this.#hosts.get(h.id) ??
      { id: h.id, name: h.id, tags: [], registered: false, lastSeen: null };
    this.#hosts.set(h.id, {
      ...known,
      name: h.name ?? known.name,
      tags: h.tags ?? known.tags,
      registered: h.registered ?? known.registered,
    });
    this.#wake();
  }

  /**
   * Reads a host this hub has not heard of (added by the CLI, or on another
   * hub before this one started), then goes on with what came for it.
   */
  #learn(hostId: string, then: () => void): void {
    if (this.#learning.has(hostId)) return;
    this.#learning.add(hostId);
    this.deps.store.hosts.get(hostId).then((h) => {
      if (!h) return;
      this.#hosts.set(h.id, hostView(h));
      then();
    }).catch((err) => this.deps.log.warn("Cannot read host", { host: hostId, error: err }))
      .finally(() => this.#learning.delete(hostId));
  }

  /** A host was removed: its alerts went with it. */
  hostRemoved(hostId: string): void {
    this.#hosts.delete(hostId);
    this.#offline.delete(hostId);
    this.#known.delete(hostId);
    this.#local.delete(hostId);
    this.#drops.delete(hostId);
    this.#dropping.delete(hostId);
    for (const key of this.#byHost.get(hostId) ?? []) this.#open.delete(key);
    this.#byHost.delete(hostId);
    for (const seen of this.#seen.values()) seen.delete(hostId);
    this.#wake();
  }

  /** The host's overall status changed (any hub of the cluster). */
  status(hostId: string, status: "online" | "offline", lastSeen: number | null): void {
    this.#known.add(hostId);
    const host = this.#hosts.get(hostId);
    if (!host) return this.#learn(hostId, () => this.status(hostId, status, lastSeen));
    host.lastSeen = lastSeen ?? host.lastSeen;
    // Only a registered agent comes online.
    if (status === "online") host.registered = true;
    if (status === "offline") {
      const since = lastSeen ?? this.#now();
      this.#offline.set(hostId, since);
      this.#due.offline = Math.min(this.#due.offline, this.#judgeOffline(hostId, since));
    } else {
      this.#offline.delete(hostId);
      this.#judgeOffline(hostId, null);
    }
  }

  /** This hub's own view: the host's agent connected here (or left). */
  localStatus(hostId: string, status: "online" | "offline"): void {
    if (status === "online") {
      if (!this.#local.has(hostId)) {
        const now = this.#now();
        this.#local.set(hostId, now);
        // Its no-data rules count from now (or from its last value, if later).
        for (const rule of this.#ofKind.get("nodata") ?? []) {
          this.#due.nodata = Math.min(this.#due.nodata, now + rule.for_s * 1000);
        }
        // The agent may come from another hub: what it held there is in the store.
        this.#enqueue(hostId, () => this.#resync(hostId));
      }
    } else this.#local.delete(hostId);
  }

  /**
   * A check's judged status changed (hub/probes/engine.ts). Its alert is one
   * per (rule, check), kept on the host of an agent that was failing when it
   * went down, and resolved there when it is up. A push check has no agent
   * (nor does a check whose failing agents this hub has not heard of): its
   * alert is on no host. Another hub may hold that one (the push that ends
   * it can land on any hub): the store's are read first.
   */
  checkStatus(c: { checkId: string; down: boolean; at: number; failingHosts: string[] }): void {
    const labels = { check: c.checkId };
    const lk = labelsKey(labels);
    for (const rule of this.#ofKind.get("check_down") ?? []) {
      const want = rule.labels.check;
      if (want !== undefined && want !== EACH && want !== c.checkId) continue;
      let held: Entry | undefined;
      for (const e of this.#open.values()) {
        if (e.alert.rule_id === rule.id && e.alert.labels_key === lk) held = e;
      }
      const hostId = held
        ? held.alert.host_id
        : c.failingHosts.find((h) => this.#hosts.has(h)) ?? null;
      if (hostId !== null) {
        this.#condition(rule, hostId, labels, c.down, c.at, null);
        continue;
      }
      // On no host: whichever hub records the change judges it, so what this one holds may
      // be stale (another hub resolved it). Once every write before it has landed, the
      // store's alerts on no host are read, judged, and written before the next is judged.
      this.#nowhere = this.#nowhere.then(async () => {
        await this.#written(null);
        await this.#resync(null);
        this.#condition(rule, null, labels, c.down, c.at, null);
        await this.#written(null);
      }).catch((err) => this.deps.log.error("Alert transition failed", { error: err }));
    }
  }

  /** Waits until the writes queued for `hostId` (null: alerts on no host) have landed. */
  async #written(hostId: string | null): Promise<void> {
    while (this.#queues.has(hostId)) await this.#queues.get(hostId);
  }

  /**
   * Rounds of checks one agent ran, as stored: slow ones are judged per
   * agent and check; a certificate's days left per check (every agent sees
   * the same certificate), kept on the host that first saw it expiring.
   */
  checkRounds(
    hostId: string,
    rounds: Array<
      { check_id: string; ts: number; ms: number; details: { cert_days_left?: number } }
    >,
  ): void {
    const wants = (rule: AlertRule, id: string) =>
      rule.labels.check === undefined || rule.labels.check === EACH || rule.labels.check === id;
    for (const r of [...rounds].sort((a, b) => a.ts - b.ts)) {
      const labels = { check: r.check_id };
      for (const rule of this.#ofKind.get("check_slow") ?? []) {
        if (wants(rule, r.check_id)) {
          this.#condition(rule, hostId, labels, r.ms > rule.threshold!, r.ts, r.ms);
        }
      }
      const days = r.details.cert_days_left;
      if (days === undefined) continue;
      const lk = labelsKey(labels);
      for (const rule of this.#ofKind.get("check_cert_expiring") ?? []) {
        if (!wants(rule, r.check_id)) continue;
        let held: Entry | undefined;
        for (const e of this.#open.values()) {
          if (e.alert.rule_id === rule.id && e.alert.labels_key === lk) held = e;
        }
        const on = held?.alert.host_id ?? hostId;
        this.#condition(rule, on, labels, days < rule.threshold!, r.ts, days);
      }
    }
  }

  /**
   * Which hosts run each check now (the probes assigner's pass; every check is
   * there). Nothing would ever resolve an alert on a check that was removed,
   * nor a slow-response alert on an agent the check left: they close here
   * (cancelled while pending).
   */
  checksAssigned(sets: ReadonlyMap<string, ReadonlySet<string>>, at: number): void {
    for (const e of [...this.#open.values()]) {
      const a = e.alert;
      const rule = this.#rules.find((r) => r.id === a.rule_id);
      if (!rule?.kind.startsWith("check_")) continue;
      const on = sets.get(a.labels.check);
      // The assigner keeps what is stored until hosts' statuses are known after a start
      // (hub/probes/assigner.ts), so a host missing here is one the check really left.
      const reason = !on
        ? "check removed"
        : rule.kind === "check_slow" && a.host_id !== null && !on.has(a.host_id)
        ? "the check no longer runs on this host"
        : null;
      if (!reason) continue;
      const step = a.state === "pending"
        ? { kind: "cancel" as const }
        : { kind: "resolve" as const, at, reason };
      this.#apply(rule, a.host_id, a.labels, a.labels_key, step, null);
    }
  }

  /** The agent's count of batches its WAL dropped (Hello and every heartbeat). */
  dropped(hostId: string, total: number): void {
    const last = this.#drops.get(hostId);
    const now = this.#now();
    if (last && total > last.total) this.#drops.set(hostId, { total, at: now });
    else if (!last) this.#drops.set(hostId, { total, at: total > 0 ? now : 0 });
    else if (total < last.total) this.#drops.set(hostId, { total, at: last.at }); // a new WAL
    if (this.#drops.get(hostId)!.at === now) this.#dropping.add(hostId);
    const host = this.#hosts.get(hostId);
    if (last && total > last.total && host) {
      for (const rule of this.#ofKind.get("wal_dropping") ?? []) {
        if (inScope(rule, host)) this.#condition(rule, hostId, {}, true, now, total - last.total);
      }
    }
  }

  /**
   * A check-results batch's samples (lib/probes/metrics.ts: `check_response_ms`,
   * `check_up`, label `check`) judged by the threshold rules on them, as a
   * metrics batch's are. Only that: such a batch says nothing of the host's
   * other series (no-data, gone series, failing collectors).
   */
  checkSamples(hostId: string, ts: number, samples: readonly Sample[]): void {
    const host = this.#hosts.get(hostId);
    if (!host) return this.#learn(hostId, () => this.checkSamples(hostId, ts, samples));
    const watch = this.#watch(host);
    const open = (this.#byHost.get(hostId)?.size ?? 0) > 0;
    // A no-data rule on a check's series hears of it here, as of a host's in batch().
    const nodata = watch.nodata.size ? new Set<AlertRule>() : null;
    for (const [name, label, value] of samples) {
      for (const s of nodata ? watch.nodata.get(name) ?? [] : []) {
        if (s.want === undefined || s.want === EACH || s.want === label) nodata!.add(s.rule);
      }
      for (const s of watch.byMetric.get(name) ?? []) {
        if (s.want !== undefined && s.want !== EACH && s.want !== label) continue;
        if (!open && !this.#breaches(s.rule, hostId, value)) continue;
        this.#sample(s.rule, hostId, s.labelName, label, value, ts);
      }
    }
    for (const rule of nodata ?? []) this.#heard(rule, hostId, ts, open);
  }

  /** A batch of `hostId` was stored: judge its samples and its collectors' errors. */
  batch(hostId: string, ts: number, samples: readonly Sample[], failing: readonly string[]): void {
    const host = this.#hosts.get(hostId);
    if (!host) return this.#learn(hostId, () => this.batch(hostId, ts, samples, failing));
    const watch = this.#watch(host);
    // Whether anything is open on the host: if not, a sample below its threshold is nothing.
    const open = (this.#byHost.get(hostId)?.size ?? 0) > 0;
    const nodata = watch.nodata.size ? new Set<AlertRule>() : null;
    for (const [name, label, value] of samples) {
      if (nodata) {
        for (const s of watch.nodata.get(name) ?? []) {
          if (s.want === undefined || s.want === EACH || s.want === label) nodata.add(s.rule);
        }
      }
      const rules = watch.byMetric.get(name);
      if (!rules) continue;
      for (const s of rules) {
        if (s.want !== undefined && s.want !== EACH && s.want !== label) continue;
        if (!open && !this.#breaches(s.rule, hostId, value)) continue;
        this.#sample(s.rule, hostId, s.labelName, label, value, ts);
      }
    }
    for (const rule of nodata ?? []) this.#heard(rule, hostId, ts, open);
    if (open) this.#gone(hostId, samples, failing, ts);
    if (!watch.collectors.length || (!failing.length && !open)) return;
    const failed = new Set(failing);
    for (const rule of watch.collectors) {
      const want = rule.labels.collector;
      for (const c of failed) {
        if (want && want !== EACH && want !== c) continue;
        this.#condition(rule, hostId, { collector: c }, true, ts, null);
      }
      // Those that failed before and not in this batch recovered.
      for (const key of this.#byHost.get(hostId) ?? []) {
        const e = this.#open.get(key)!;
        if (e.alert.rule_id !== rule.id || failed.has(e.alert.labels.collector)) continue;
        this.#condition(rule, hostId, e.alert.labels, false, ts, null);
      }
    }
  }

  /** A no-data rule's metric came from `hostId` at `ts`: absent no longer. */
  #heard(rule: AlertRule, hostId: string, ts: number, open: boolean): void {
    let seen = this.#seen.get(rule.id);
    if (!seen) this.#seen.set(rule.id, seen = new Map());
    seen.set(hostId, ts);
    if (open) this.#condition(rule, hostId, {}, false, ts, null);
  }

  /**
   * Closes the host's open threshold alerts on one series of many (a mount, an
   * interface, a container) whose series this batch, and the one before, did
   * not carry: the thing they watched is gone, and no later sample would ever
   * resolve them. A batch with a failing collector says nothing of what it
   * left out. An alert on a host's one series is the no-data rules' business.
   */
  #gone(hostId: string, samples: readonly Sample[], failing: readonly string[], ts: number) {
    let seen: Set<string> | null = null;
    for (const key of [...this.#byHost.get(hostId) ?? []]) {
      const e = this.#open.get(key)!;
      const a = e.alert;
      const [labelName] = Object.keys(a.labels);
      const rule = labelName ? this.#rules.find((r) => r.id === a.rule_id) : undefined;
      if (!rule || rule.kind !== "threshold" || !rule.metric) continue;
      // A check's series come in check batches, never in metrics batches.
      if (labelName === "check") continue;
      if (failing.length) {
        e.missing = 0;
        continue;
      }
      seen ??= new Set(samples.map(([m, l]) => `${m}\u0000${l}`));
      if (seen.has(`${rule.metric}\u0000${a.labels[labelName]}`)) {
        e.missing = 0;
        continue;
      }
      e.missing = (e.missing ?? 0) + 1;
      if (e.missing < GONE_AFTER) continue;
      const step = a.state === "pending"
        ? { kind: "cancel" as const }
        : { kind: "resolve" as const, at: ts, reason: "no longer reported" };
      this.#apply(rule, hostId, a.labels, a.labels_key, step, null);
    }
  }

  /** Whether `value` is beyond the threshold `rule` holds for `hostId` (no allocation: per sample). */
  #breaches(rule: AlertRule, hostId: string, value: number): boolean {
    const threshold = rule.overrides[hostId]?.threshold ?? rule.threshold!;
    return beyond(rule.op!, value, threshold);
  }

  /**
   * What watches `host`: asked of every batch, and a scope can list hundreds
   * of hosts, so it is kept for the host as seen (a change replaces its
   * view) and the rules as read (a reload replaces them); hosts in the same
   * scopes share one.
   */
  #watch(host: HostView): Watch {
    const kept = this.#scoped.get(host);
    if (kept?.rules === this.#rules) return kept.watch;
    if (this.#scopes.rules !== this.#rules) this.#scopes = { rules: this.#rules, byIds: new Map() };
    const byMetric = new Map<string, Scoped[]>();
    for (const [name, rules] of this.#byMetric) {
      const labelName = metric(name)?.label || "";
      const those = rules.filter((r) => inScope(r, host));
      if (those.length) {
        byMetric.set(
          name,
          those.map((rule) => ({ rule, want: rule.labels[labelName], labelName })),
        );
      }
    }
    const nodata = new Map<string, Scoped[]>();
    for (const rule of this.#ofKind.get("nodata") ?? []) {
      if (!inScope(rule, host)) continue;
      const labelName = metric(rule.metric!)?.label || "";
      const list = nodata.get(rule.metric!) ?? [];
      list.push({ rule, want: rule.labels[labelName], labelName });
      nodata.set(rule.metric!, list);
    }
    const collectors = (this.#ofKind.get("collector_failing") ?? []).filter((r) =>
      inScope(r, host)
    );
    const ids = [
      ...[...byMetric.values(), ...nodata.values()].flat().map((s) => s.rule),
      ...collectors,
    ].map((r) => r.id).join("\u0000");
    let watch = this.#scopes.byIds.get(ids);
    if (!watch) this.#scopes.byIds.set(ids, watch = { byMetric, nodata, collectors });
    this.#scoped.set(host, { rules: this.#rules, watch });
    return watch;
  }

  #sample(
    rule: AlertRule,
    hostId: string,
    labelName: string,
    label: string,
    value: number,
    ts: number,
  ) {
    const lk = labelName ? `${labelName}=${label}` : "";
    const held = this.#heldFor(rule, hostId, lk);
    // Samples replayed out of order (a WAL resent) are not judged against newer ones.
    if (held && ts < held.alert.pending_since) return;
    const step = judgeValue(rule, hostId, held && this.#heldOf(held.alert), value, ts);
    if (step) this.#apply(rule, hostId, labelName ? { [labelName]: label } : {}, lk, step, value);
  }

  /** A true/false condition of `rule` on `hostId` at `at`. */
  #condition(
    rule: AlertRule,
    hostId: string | null,
    labels: Record<string, string>,
    breach: boolean,
    at: number,
    value: number | null,
    since = at,
  ) {
    const lk = labelsKey(labels);
    const held = this.#heldFor(rule, hostId, lk);
    if (!held && !breach) return; // nothing held, nothing begins
    // A WAL drop fires at once; its `for` is how long without drops it takes to resolve.
    const judged = rule.kind === "wal_dropping" ? { ...rule, for_s: 0 } : rule;
    const step = judgeCondition(
      judged,
      held && this.#heldOf(held.alert),
      breach,
      at,
      rule.severity,
      since,
    );
    if (step) this.#apply(rule, hostId, labels, lk, step, value);
  }

  /**
   * The open alert of (rule, host, series). Most hosts hold none: their
   * samples are judged without building a key to look up.
   */
  #heldFor(rule: AlertRule, hostId: string | null, lk: string): Entry | undefined {
    if (!this.#byHost.get(hostId)?.size) return undefined;
    return this.#open.get(keyOf(rule.id, hostId, lk));
  }

  #heldOf(a: Alert): Held {
    return { state: a.state as Held["state"], pendingSince: a.pending_since, severity: a.severity };
  }

  /** Judges the host's offline rules; returns when they next need a look (Infinity: not by time). */
  #judgeOffline(hostId: string, since: number | null): number {
    const host = this.#hosts.get(hostId);
    if (!host?.registered) return Infinity;
    const now = this.#now();
    let next = Infinity;
    for (const rule of this.#ofKind.get("offline") ?? []) {
      if (!inScope(rule, host)) continue;
      this.#condition(rule, hostId, {}, since !== null, now, null, since ?? undefined);
      if (since !== null) next = Math.min(next, this.#nextLook(rule, hostId, now));
    }
    return next;
  }

  /**
   * When a time-driven condition of (rule, host) that holds now needs a look
   * again: a pending alert when its `for` is over; a firing one never (what
   * ends it is an event); none held (its write failed, or it was closed
   * meanwhile) at the next tick.
   */
  #nextLook(rule: AlertRule, hostId: string, now: number): number {
    const held = this.#heldFor(rule, hostId, "")?.alert;
    if (!held) return now + TICK_MS;
    return held.state === "pending" ? held.pending_since + rule.for_s * 1000 : Infinity;
  }

  /** Once a second: what time alone moves on. */
  tick(): void {
    const now = this.#now();
    if (!this.#graceOver && now - this.#startedAt >= (this.deps.graceMs ?? 60_000)) {
      this.#graceOver = true;
      // Hosts nobody has said anything of since the start are not connected anywhere.
      for (const h of this.#hosts.values()) {
        if (h.registered && !this.#known.has(h.id)) this.status(h.id, "offline", h.lastSeen);
      }
    }
    if (now >= this.#due.offline) {
      let next = Infinity;
      for (const [hostId, since] of this.#offline) {
        next = Math.min(next, this.#judgeOffline(hostId, since));
      }
      this.#due.offline = next;
    }
    if (now >= this.#due.nodata) this.#due.nodata = this.#judgeNodata(now);
    const walRules = this.#ofKind.get("wal_dropping") ?? [];
    for (const hostId of this.#dropping) {
      const d = this.#drops.get(hostId)!;
      let waiting = false;
      for (const rule of walRules) {
        if (now - d.at >= rule.for_s * 1000) this.#condition(rule, hostId, {}, false, now, null);
        else waiting = true;
      }
      // Every rule has had its quiet time: nothing is open for it any more.
      if (!waiting) this.#dropping.delete(hostId);
    }
    if (now >= this.#due.remind) this.#due.remind = this.#remind(now);
  }

  /**
   * Fires the nodata rules of the local hosts whose metric has been absent for
   * the rule's `for`; returns when the next could be due (the oldest last
   * value not yet firing, plus its rule's `for`).
   */
  #judgeNodata(now: number): number {
    let next = Infinity;
    for (const rule of this.#ofKind.get("nodata") ?? []) {
      const seenOf = this.#seen.get(rule.id);
      const forMs = rule.for_s * 1000;
      for (const [hostId, onlineSince] of this.#local) {
        const host = this.#hosts.get(hostId);
        if (!host || !inScope(rule, host)) continue;
        // Absent since the last value, or since the agent connected here if none came since.
        const since = Math.max(seenOf?.get(hostId) ?? onlineSince, onlineSince);
        if (now - since < forMs) {
          next = Math.min(next, since + forMs);
          continue;
        }
        this.#condition(rule, hostId, {}, true, now, null, since);
        next = Math.min(next, this.#nextLook(rule, hostId, now));
      }
    }
    return next;
  }

  /**
   * Reminders, and first notices of alerts that fired muted. A rule's
   * reminders go out together: once one of its alerts is due, every alert of
   * it due within its group window is reminded of too, so alerts that fired
   * a few seconds apart (200 hosts going offline) stay one message.
   */
  #remind(now: number): number {
    const rules = new Map(this.#rules.map((r) => [r.id, r]));
    const firing: Alert[] = [];
    let next = Infinity;
    for (const { alert: a } of this.#open.values()) {
      if (a.state !== "firing" || a.acknowledged_at !== null || !rules.has(a.rule_id)) continue;
      if (a.id) firing.push(a);
      else next = now + TICK_MS; // its write has not landed yet
    }
    const dueRules = new Set<string>();
    for (const a of firing) {
      const r = rules.get(a.rule_id)!;
      if (r.repeat_s > 0 && a.notified_at !== null && now - a.notified_at >= r.repeat_s * 1000) {
        dueRules.add(r.id);
      }
    }
    for (const a of firing) {
      const rule = rules.get(a.rule_id)!;
      let kind: NotificationKind | null = null;
      if (a.notified_at === null) kind = "firing"; // it fired muted, and the mute is over
      else if (
        dueRules.has(rule.id) &&
        now - a.notified_at >= Math.max(0, rule.repeat_s - rule.group_s) * 1000
      ) kind = "reminder";
      const notify = kind && this.#notify(rule, a.host_id, kind, now, a.severity);
      if (notify) {
        const last = a.notified_at;
        a.notified_at = now;
        this.#enqueue(a.host_id, async () => {
          if (await this.deps.store.alerts.remind(a.id, last, now, notify)) {
            if (notify.channels.length) this.deps.queued?.();
          } else await this.#resync(a.host_id);
        });
      }
      // Muted, it is looked at again each second (until its mute is over).
      if (a.notified_at === null) next = Math.min(next, now + TICK_MS);
      else if (rule.repeat_s > 0) next = Math.min(next, a.notified_at + rule.repeat_s * 1000);
    }
    return next;
  }

  /** Who to tell of a transition, or null when it is muted. */
  #notify(
    rule: AlertRule,
    hostId: string | null,
    kind: NotificationKind,
    at: number,
    severity: Severity,
  ): NotifySpec | null {
    const tags = (hostId !== null && this.#hosts.get(hostId)?.tags) || [];
    if (this.#mutes.muted({ ruleId: rule.id, hostId, tags }, at)) return null;
    // The rule's channels (every enabled one when it names none), each as its filters allow.
    const channels = this.#channels.filter((c) => {
      if (rule.channels !== null && !rule.channels.includes(c.id)) return false;
      const f = c.filters;
      return (!f.severities || f.severities.includes(severity)) &&
        (!f.rules || f.rules.includes(rule.id)) &&
        (!f.tags || f.tags.some((t) => tags.includes(t)));
    }).map((c) => c.id);
    return { kind, channels, groupS: rule.group_s };
  }

  /** Holds what a step makes at once, and writes it in the host's order. */
  #apply(
    rule: AlertRule,
    hostId: string | null,
    labels: Record<string, string>,
    lk: string,
    step: Exclude<Step, null>,
    value: number | null,
  ) {
    const key = keyOf(rule.id, hostId, lk);
    const s = this.deps.store.alerts;
    const held = this.#open.get(key)?.alert;
    this.#changed(rule.id);
    switch (step.kind) {
      case "pend":
      case "fire": {
        if (held) {
          if (step.kind === "pend") return;
          Object.assign(held, {
            state: "firing",
            fired_at: step.at,
            value,
            severity: step.severity,
          });
          return this.#enqueue(hostId, () => this.#fire(rule, held, step.at, value, step.severity));
        }
        // An alert that carries processes opens pending, so they are read before it fires.
        const direct = step.kind === "fire" && !this.#wantsProcesses(rule);
        const alert = this.#provisional(rule, hostId, labels, lk, step, value, direct);
        this.#hold(alert);
        return this.#enqueue(hostId, async () => {
          const notify = direct
            ? this.#notify(rule, hostId, "firing", step.at, step.severity)
            : null;
          const { alert: stored, opened } = await s.open({
            rule,
            hostId,
            labels,
            labelsKey: lk,
            state: direct ? "firing" : "pending",
            severity: step.severity,
            value,
            threshold: alert.threshold,
            at: alert.pending_since,
          }, notify);
          const firing = alert.state === "firing";
          // Resolved or cancelled while the write was under way: its close is
          // queued behind this and writes it; held again, it would stay open
          // here (and the next breach would be taken for it).
          const dropped = this.#open.get(key)?.alert !== alert;
          Object.assign(alert, stored);
          if (!dropped) this.#hold(alert);
          if (!opened) return;
          this.#told(direct ? "alert.firing" : "alert.pending", alert, notify);
          if (firing && !direct) {
            Object.assign(alert, { state: "firing", fired_at: step.at });
            await this.#fire(rule, alert, step.at, value, step.severity);
          }
        });
      }
      case "cancel":
        if (!held) return;
        this.#drop(key, hostId);
        return this.#enqueue(hostId, async () => {
          if (await s.cancel(held.id)) this.#told("alert.cancelled", held, null);
          else await this.#resync(hostId);
        });
      case "escalate":
        if (!held) return;
        held.severity = "critical";
        held.value = value;
        return this.#enqueue(hostId, async () => {
          const notify = this.#notify(rule, hostId, "escalated", step.at, "critical");
          if (await s.escalate(held.id, step.at, value, notify)) {
            if (notify) held.notified_at = step.at;
            this.#told("alert.firing", held, notify);
          } else await this.#resync(hostId);
        });
      case "resolve":
        if (!held) return;
        this.#drop(key, hostId);
        return this.#enqueue(hostId, async () => {
          const notify = this.#notify(rule, hostId, "resolved", step.at, held.severity);
          if (await s.resolve(held.id, step.at, value, notify, step.reason)) {
            Object.assign(held, {
              state: "resolved",
              resolved_at: step.at,
              value,
              closed_reason: step.reason ?? null,
            });
            this.#told("alert.resolved", held, notify);
          } else await this.#resync(hostId);
        });
    }
  }

  /** pending → firing in the store, with the processes when the rule wants them. */
  async #fire(rule: AlertRule, a: Alert, at: number, value: number | null, severity: Severity) {
    const processes = this.#wantsProcesses(rule) && a.host_id !== null
      ? await this.#processes(a.host_id)
      : null;
    const notify = this.#notify(rule, a.host_id, "firing", at, severity);
    if (await this.deps.store.alerts.fire(a.id, at, { value, severity, processes }, notify)) {
      Object.assign(a, { processes, notified_at: notify ? at : null });
      this.#told("alert.firing", a, notify);
    } else await this.#resync(a.host_id);
  }

  /** An alert held before the store has it (id 0 until its write lands). */
  #provisional(
    rule: AlertRule,
    hostId: string | null,
    labels: Record<string, string>,
    lk: string,
    step: { kind: "pend" | "fire"; at: number; severity: Severity; since?: number },
    value: number | null,
    direct: boolean,
  ): Alert {
    return {
      id: 0,
      rule_id: rule.id,
      rule_name: rule.name,
      host_id: hostId,
      labels,
      labels_key: lk,
      state: step.kind === "fire" ? "firing" : "pending",
      severity: step.severity,
      value,
      threshold: this.#threshold(rule, hostId),
      pending_since: step.kind === "fire" ? step.since ?? step.at : step.at,
      fired_at: step.kind === "fire" && direct ? step.at : null,
      resolved_at: null,
      notified_at: null,
      acknowledged_by: null,
      acknowledged_at: null,
      closed_reason: null,
      processes: null,
    };
  }

  #threshold(rule: AlertRule, hostId: string | null): number | null {
    return hostId === null ? rule.threshold : rule.overrides[hostId]?.threshold ?? rule.threshold;
  }

  #wantsProcesses(rule: AlertRule): boolean {
    return rule.kind === "threshold" && PROCESS_METRICS.has(rule.metric!) &&
      this.deps.processes !== undefined;
  }

  /** The host's top processes, or why there are none: an alert never waits on them for long. */
  async #processes(hostId: string): Promise<ProcessSnapshot> {
    try {
      return await this.deps.processes!(hostId);
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  #told(event: AlertEventName, a: Alert, notify: NotifySpec | null) {
    if (notify?.channels.length) this.deps.queued?.();
    this.deps.publish?.(event, alertView(a));
  }

  #hold(a: Alert) {
    this.#changed(a.rule_id);
    const key = keyOf(a.rule_id, a.host_id, a.labels_key);
    if (a.state === "resolved") return this.#drop(key, a.host_id);
    this.#open.set(key, { alert: a });
    let keys = this.#byHost.get(a.host_id);
    if (!keys) this.#byHost.set(a.host_id, keys = new Set());
    keys.add(key);
  }

  #drop(key: string, hostId: string | null) {
    const e = this.#open.get(key);
    if (e) this.#changed(e.alert.rule_id);
    this.#open.delete(key);
    this.#byHost.get(hostId)?.delete(key);
  }

  /** Holds what the store has open for `hostId` (after a lost claim, or an agent that moved here). */
  async #resync(hostId: string | null): Promise<void> {
    const open = await this.deps.store.alerts.openAlerts(hostId);
    this.#wake();
    for (const key of this.#byHost.get(hostId) ?? []) this.#open.delete(key);
    this.#byHost.delete(hostId);
    for (const a of open) this.#hold(a);
  }

  /** Runs `work` after the host's earlier writes, so its transitions apply in order. */
  #enqueue(hostId: string | null, work: () => Promise<void>): void {
    const before = this.#queues.get(hostId) ?? Promise.resolve();
    const next = before.then(work).catch((err) => {
      this.deps.log.error("Alert transition failed", { host: hostId, error: err });
      // What the store holds is the truth; read it again when it answers.
      return this.#resync(hostId).catch(() => {});
    }).finally(() => {
      if (this.#queues.get(hostId) === next) this.#queues.delete(hostId);
    });
    this.#queues.set(hostId, next);
  }

  /** What mutes alert `a` at `at` (a silence, a window), or null. */
  muteReason(a: Pick<Alert, "rule_id" | "host_id">, at = this.#now()): string | null {
    const tags = (a.host_id !== null && this.#hosts.get(a.host_id)?.tags) || [];
    return this.#mutes.reason({ ruleId: a.rule_id, hostId: a.host_id, tags }, at);
  }

  /** What the engine holds open (the dashboard's badges read the store; tests read this). */
  openAlerts(): Alert[] {
    return [...this.#open.values()].map((e) => e.alert);
  }
}
