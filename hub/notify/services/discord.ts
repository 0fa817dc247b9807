/**
 * Discord, through a channel webhook: a POST of JSON `{content, embeds}` to
 * the webhook's URL, the secret
 * (https://discord.com/developers/docs/resources/webhook#execute-webhook),
 * with `?wait=true` so Discord answers only once the message is saved (200
 * with the message; without it a message that was not saved is no error).
 * The embed has the title, the text as its description and a colour by
 * severity; `allowed_mentions` is empty so an `@everyone` in a host name
 * pings no one. A 429 carries `retry_after` in its JSON body and the
 * Retry-After header (https://discord.com/developers/docs/topics/rate-limits).
 */
import type { ChannelKind } from "../channels.ts";
import { clip, jsonField, seconds, sendJson, type Urgency, urgency, webhookUrl } from "./common.ts";

const COLOUR: Record<Urgency, number> = {
  critical: 0xd32f2f,
  warning: 0xf9a825,
  resolved: 0x2e7d32,
};

export const DISCORD: ChannelKind = {
  title: "Discord",
  fields: {
    url: webhookUrl(
      "Webhook URL",
      "Channel settings → Integrations → Webhooks → Copy Webhook URL",
    ),
  },
  send(r) {
    const url = new URL(String(r.config.url));
    url.searchParams.set("wait", "true");
    return sendJson(r, url.href, {
      content: clip(r.title, 2000),
      embeds: [{
        title: clip(r.title, 256),
        description: clip(r.text, 4096),
        color: COLOUR[urgency(r.message)],
        ...(r.message.url ? { url: r.message.url } : {}),
        timestamp: new Date().toISOString(),
      }],
      allowed_mentions: { parse: [] },
    }, { waitInBody: (b) => seconds(jsonField(b, (j) => j.retry_after)) });
  },
};
