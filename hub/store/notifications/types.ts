/**
 * Notifications' store: the channels messages go to, and the outbox. A
 * transition queues its notification in its own transaction (the alerts
 * store calls {@link enqueue} inside its plans); the delivery loop
 * (hub/notify/delivery.ts) of the hub holding the `notify` lease sends what is
 * due and records every attempt.
 */
import type { AuditRecord } from "../audit/types.ts";
import type { NotificationKind } from "../alerts/types.ts";

export type ChannelType =
  | "webhook"
  | "slack"
  | "discord"
  | "telegram"
  | "teams"
  | "ntfy"
  | "gotify"
  | "pushover"
  | "matrix"
  | "pagerduty"
  | "email";

/** Which alerts a channel takes; a list left out takes all. */
export interface ChannelFilters {
  severities?: Array<"warning" | "critical">;
  rules?: string[];
  tags?: string[];
}

/** A channel's own wording, Mustache (hub/notify/template.ts). */
export interface ChannelTemplate {
  title?: string;
  body?: string;
}

export interface Channel {
  id: string;
  name: string;
  type: ChannelType;
  /** The settings that may be shown (a topic, a server). */
  config: Record<string, string | number | string[]>;
  /** The secrets (tokens, URLs, passwords), sealed (hub/notify/sealed.ts); null when it has none. */
  secret: string | null;
  filters: ChannelFilters;
  template: ChannelTemplate | null;
  enabled: boolean;
  created_at: number;
  updated_at: number;
}

/** What a change of a channel sets (the others stay). */
export type ChannelChange = Partial<
  Pick<Channel, "name" | "config" | "secret" | "filters" | "template" | "enabled">
>;

export type NotificationState = "queued" | "sent" | "failed" | "muted";

/** One alert a notification tells of, at the moment of its transition. */
export interface NotificationItem {
  alert_id: number;
  value: number | null;
  at: number;
}

export interface Notification {
  id: number;
  channel_id: string;
  rule_id: string;
  kind: NotificationKind;
  created_at: number;
  due_at: number;
  state: NotificationState;
  attempts: number;
  sent_at: number | null;
  last_error: string | null;
  items: NotificationItem[];
}

/** One try at sending, as kept for the alert's page. */
export interface Attempt {
  notification_id: number;
  at: number;
  ok: boolean;
  status: number | null;
  detail: string;
}

/** How one try ended, as the delivery loop records it. */
export type AttemptOutcome =
  | { ok: true; status: number | null; detail: string }
  | {
    ok: false;
    status: number | null;
    detail: string;
    /** When to try again; null when it is given up (failed for good). */
    retryAt: number | null;
  };

export interface NotificationStore {
  channels(): Promise<Channel[]>;
  channel(id: string): Promise<Channel | null>;
  createChannel(c: Channel, audit?: AuditRecord): Promise<void>;
  /** False when there is no such channel. */
  updateChannel(
    id: string,
    change: ChannelChange,
    at: number,
    audit?: AuditRecord,
  ): Promise<boolean>;
  deleteChannel(id: string, audit?: AuditRecord): Promise<boolean>;

  /**
   * Queued notifications due by `now`, oldest first, leaving out any that
   * tells of an alert an older queued notification on the same channel also
   * tells of: a resolve never goes before its fire.
   */
  due(now: number, limit: number): Promise<Notification[]>;
  /**
   * When the next queued notification {@link due} would return falls due
   * (one held back behind an older one counts only once that one has gone);
   * null when none is queued.
   */
  nextDue(): Promise<number | null>;
  /**
   * Records one try of a queued notification and what it leads to (sent,
   * another try, given up); under the `notify` lease held by `holder`, so a
   * hub that lost it records nothing. False when it was no longer queued.
   */
  attempted(id: number, at: number, outcome: AttemptOutcome, holder: string): Promise<boolean>;
  /** A queued notification whose every alert is now muted is not sent. */
  mute(id: number, holder: string): Promise<boolean>;
  /** Every notification telling of `alertId`, with its attempts. */
  forAlert(alertId: number): Promise<Array<Notification & { attempt_log: Attempt[] }>>;
  /** The delivery log: notifications newest first, with their attempts, paged by id. */
  recent(q: RecentQuery): Promise<Array<Notification & { attempt_log: Attempt[] }>>;
  /**
   * Removes up to `limit` notifications made before `before` that are done
   * with (sent, given up or muted), with their attempts; one still queued
   * stays. Returns how many went.
   */
  prune(before: number, limit: number): Promise<number>;
}

/** A page of the delivery log: of one channel or all, those older than notification `before`. */
export interface RecentQuery {
  channelId?: string;
  before?: number;
  limit: number;
}
