/**
 * The delivery loop: on the hub holding the `notify` lease, sends what the
 * outbox holds as it falls due, oldest first (a resolve never before its
 * fire: the store holds it back), records every attempt, and tries again
 * with a doubling pause (honouring Retry-After) until a notification has
 * failed for 24 h. Woken when a transition queued something here; another
 * hub's transitions are found by looking again at least every few seconds
 * (the outbox's index answers that in microseconds).
 */
import type { Logger } from "../../lib/log.ts";
import type { Store } from "../store/store.ts";
import { LeaseKeeper } from "../store/leases/keeper.ts";
import { NOTIFY_LEASE } from "../store/notifications/shared.ts";
import type { AttemptOutcome, Notification } from "../store/notifications/types.ts";
import type { Alert } from "../store/alerts/types.ts";
import { compose, type Message } from "./message.ts";
import { CHANNEL_KINDS, type SendOutcome } from "./channels.ts";
import type { Sealer } from "./sealed.ts";
import { type Outbound, OutboundError, OutboundPolicy } from "./outbound.ts";
import { render } from "./template.ts";
import type { Channel } from "../store/notifications/types.ts";

/** A notification failing this long is given up and shown as failed. */
export const GIVE_UP_MS = 24 * 3600_000;
const FIRST_RETRY_MS = 10_000;
const MAX_RETRY_MS = 3600_000;
const LOOK_EVERY_MS = 5000;
const SEND_TIMEOUT_MS = 10_000;

export interface DeliveryDeps {
  store: Pick<Store, "alerts" | "notifications" | "hosts" | "leases" | "probes">;
  log: Logger;
  holder: string;
  /** The process before this one on the data dir, whose notify lease this one takes at once. */
  predecessor?: string | null;
  /** Whether an alert is muted now (the engine's silences and windows). */
  muted?: (a: Alert, at: number) => boolean;
  publicUrl?: string | null;
  /** Opens channels' sealed secrets. */
  sealer: Sealer;
  /** The way out (default: http(s), no private-range restriction). */
  outbound?: Outbound;
  /** How long one send may take (default 10 s). */
  timeoutMs?: number;
  now?: () => number;
}

/**
 * When to try again after `attempts` failed tries, or null to give up: when
 * the service said (Retry-After, in seconds or as a date; at least 1 s, at
 * most an hour), else after a pause doubling from 10 s to an hour.
 */
export function retryAt(
  n: Pick<Notification, "created_at" | "attempts">,
  now: number,
  retryAfter?: string | null,
): number | null {
  let wait = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** n.attempts);
  if (retryAfter) {
    const s = Number(retryAfter);
    const asked = Number.isFinite(s) ? s * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(asked)) wait = Math.min(Math.max(asked, 1000), MAX_RETRY_MS);
  }
  return now + wait - n.created_at > GIVE_UP_MS ? null : now + wait;
}

export class Delivery {
  readonly lease: LeaseKeeper;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #now: () => number;

  constructor(private deps: DeliveryDeps) {
    this.#now = deps.now ?? Date.now;
    this.lease = new LeaseKeeper(deps.store.leases, NOTIFY_LEASE, deps.holder, {
      predecessor: deps.predecessor,
      onChange: (held) => {
        deps.log.info(
          held
            ? "Took the notify lease: this hub sends notifications"
            : "No longer holds the notify lease",
          { holder: deps.holder },
        );
        if (held) this.wake();
      },
      onError: (err) => deps.log.warn("Cannot renew the notify lease", { error: err }),
    });
  }

  async start(): Promise<void> {
    await this.lease.start();
    this.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
    await this.lease.stop();
  }

  /** Something was queued: look now (a round under way looks again when it ends). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#running = this.#round().catch((err) => {
      this.deps.log.warn("Notification delivery failed", { error: err });
    }).finally(() => {
      this.#running = null;
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        return this.wake();
      }
      this.#schedule();
    });
  }

  /** Waits for the round under way (tests). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #schedule() {
    let wait = LOOK_EVERY_MS;
    try {
      const next = this.lease.held ? await this.deps.store.notifications.nextDue() : null;
      if (next !== null) wait = Math.max(0, Math.min(wait, next - this.#now()));
    } catch { /* the store is away: look again later */ }
    if (this.#stopped || this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), wait);
  }

  async #round(): Promise<void> {
    for (;;) {
      if (!this.lease.held) return;
      const due = await this.deps.store.notifications.due(this.#now(), 20);
      if (!due.length) return;
      for (const n of due) {
        if (this.#stopped || !this.lease.held) return;
        await this.#deliver(n);
      }
    }
  }

  async #deliver(n: Notification): Promise<void> {
    const { store, holder } = this.deps;
    const now = this.#now();
    const [channel, rule] = await Promise.all([
      store.notifications.channel(n.channel_id),
      store.alerts.rule(n.rule_id),
    ]);
    const alerts = (await Promise.all(n.items.map((i) => store.alerts.alert(i.alert_id))))
      .filter((a): a is Alert => a !== null)
      // Silenced since it was queued: left out (all of them: not sent).
      .filter((a) => !this.deps.muted?.(a, now));
    if (!channel || !rule || !alerts.length) {
      await store.notifications.mute(n.id, holder);
      return;
    }
    // The value each alert had at the transition told of.
    for (const a of alerts) {
      const item = n.items.find((i) => i.alert_id === a.id);
      if (item && n.kind !== "resolved") a.value = item.value;
    }
    const names = new Map<string, string>();
    const checks = new Map<string, string>();
    for (const a of alerts) {
      if (a.host_id !== null && !names.has(a.host_id)) {
        names.set(a.host_id, (await store.hosts.get(a.host_id))?.name ?? a.host_id);
      }
      // An alert on no host (a push check's) is named by its check.
      const check = a.labels.check;
      if (a.host_id === null && check !== undefined && !checks.has(check)) {
        checks.set(check, (await store.probes.getCheck(check))?.name ?? check);
      }
    }
    const message: Message = compose(
      n,
      rule,
      alerts,
      (id) => names.get(id) ?? id,
      now,
      this.deps.publicUrl ?? null,
      (id) => checks.get(id) ?? id,
    );
    const sent = await sendTo(channel, n.id, message, this.deps);
    const outcome: AttemptOutcome = sent.ok
      ? { ok: true, status: sent.status, detail: sent.detail }
      : {
        ok: false,
        status: sent.status,
        detail: sent.detail || `HTTP ${sent.status}`,
        retryAt: retryAt(n, this.#now(), sent.retryAfter),
      };
    if (!sent.ok) {
      this.deps.log.warn("Notification not delivered", {
        notification: n.id,
        channel: channel.name,
        status: sent.status ?? "no answer",
        retry: outcome.ok
          ? ""
          : outcome.retryAt
          ? new Date(outcome.retryAt).toISOString()
          : "given up",
      });
    }
    await store.notifications.attempted(n.id, this.#now(), outcome, holder);
  }
}

/**
 * Sends `message` to `channel` once: its secrets opened, its template
 * applied, through the outbound policy. Never throws: a failure is an
 * outcome (its detail never holds a secret).
 */
export async function sendTo(
  channel: Channel,
  id: number,
  message: Message,
  deps: Pick<DeliveryDeps, "sealer" | "outbound" | "timeoutMs">,
): Promise<SendOutcome> {
  try {
    const secret = channel.secret ? await deps.sealer.open(channel.id, channel.secret) : {};
    const { title, text } = render(channel.template, message);
    return await CHANNEL_KINDS[channel.type].send({
      config: { ...channel.config, ...secret },
      id,
      message,
      title,
      text,
      http: deps.outbound ?? new OutboundPolicy(),
      timeoutMs: deps.timeoutMs ?? SEND_TIMEOUT_MS,
    });
  } catch (err) {
    // Only our own errors are worded for users; anything else may quote what it was given.
    const detail =
      err instanceof OutboundError || err instanceof Error && err.message.startsWith("Cannot open")
        ? err.message
        : `${(err as Error)?.name ?? "Error"} while sending`;
    return { ok: false, status: null, detail };
  }
}
