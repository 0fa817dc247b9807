/**
 * The channel types and the one interface delivery sends through: check a
 * channel's settings when it is saved, send one message. The channels issue
 * adds the services (Slack, e-mail, …) here, each in its own file.
 */
import type { ChannelType } from "../store/notifications/types.ts";
import type { Message } from "./message.ts";
import { checkWebhook, sendWebhook } from "./webhook.ts";

/** What one send came to; `retryAfter` is the service's Retry-After header, as sent. */
export interface SendOutcome {
  ok: boolean;
  status: number | null;
  detail: string;
  retryAfter?: string | null;
}

export interface ChannelKind {
  /** A problem with the settings, or null when they will do. */
  check(config: Record<string, unknown>): string | null;
  send(
    config: Record<string, unknown>,
    id: number,
    message: Message,
    timeoutMs: number,
  ): Promise<SendOutcome>;
}

export const CHANNEL_KINDS: Record<ChannelType, ChannelKind> = {
  webhook: { check: checkWebhook, send: sendWebhook },
};

export const CHANNEL_TYPES = Object.keys(CHANNEL_KINDS) as ChannelType[];
