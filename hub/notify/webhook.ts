/**
 * The generic webhook channel: a POST of the message as JSON (schema:
 * {@link WebhookBody}, versioned), signed: `X-Sightline-Signature:
 * t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` keyed by the channel's
 * signing secret (made when the channel is added and shown once), so the
 * receiver can check it came from this hub and is fresh. The notification's
 * id is in `X-Sightline-Notification`, the same on every try, so a receiver
 * can drop a repeat (a hub that died between sending and recording sends
 * again on restart).
 */
import { createHmac, randomBytes } from "node:crypto";
import type { Message } from "./message.ts";
import type { ChannelKind } from "./channels.ts";
import { answer } from "./outbound.ts";

/** What a webhook says a notification is: a group of firing alerts is `grouped`. */
export type WebhookKind = "firing" | "reminder" | "resolved" | "grouped";

/** What a webhook receives. */
export interface WebhookBody extends Omit<Message, "kind"> {
  version: 1;
  kind: WebhookKind;
  /** The notification's id: the same on every try of it. */
  id: number;
  sent_at: string;
}

/** The signature header's value for `body` at `t` (Unix seconds). */
export function signature(secret: string, t: number, body: string): string {
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}

export const WEBHOOK: ChannelKind = {
  title: "Webhook",
  fields: {
    url: { label: "URL", kind: "url", secret: true, required: true },
  },
  generated: () => ({ signing_secret: "whsec_" + randomBytes(24).toString("base64url") }),
  async send({ config, id, message, title, text, http, timeoutMs }) {
    const kind: WebhookKind = message.kind === "reminder" || message.kind === "resolved"
      ? message.kind
      : message.alerts.length > 1
      ? "grouped"
      : "firing"; // an escalation is a fire at critical severity
    const body = JSON.stringify(
      {
        ...message,
        title,
        text,
        version: 1,
        kind,
        id,
        sent_at: new Date().toISOString(),
      } satisfies WebhookBody,
    );
    const t = Math.floor(Date.now() / 1000);
    const res = await http.fetch(String(config.url), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Sightline",
        "x-sightline-notification": String(id),
        "x-sightline-signature": signature(String(config.signing_secret ?? ""), t, body),
      },
      body,
    }, timeoutMs);
    return await answer(res);
  },
};
