/**
 * Gotify: a POST of JSON `{title, message, priority, extras}` to
 * `<server>/message` with the application's token in `X-Gotify-Key`
 * (https://gotify.net/docs/pushmsg, https://gotify.net/api-docs). Priority
 * by severity as Gotify's Android app treats it: critical 8 (pops up),
 * warning 5 (sound), resolved 3 (quiet). The text is plain text, and a
 * tap opens the hub when its address is known
 * (`client::notification.click`, https://gotify.net/docs/msgextras).
 * Gotify answers 200 with the message it stored.
 */
import type { ChannelKind } from "../channels.ts";
import { clip, sendJson, under, type Urgency, urgency } from "./common.ts";

const PRIORITY: Record<Urgency, number> = { critical: 8, warning: 5, resolved: 3 };

export const GOTIFY: ChannelKind = {
  title: "Gotify",
  fields: {
    server: { label: "Server", kind: "url", required: true, help: "https://gotify.example.com" },
    token: {
      label: "Application token",
      kind: "text",
      secret: true,
      required: true,
      help: "Gotify → Apps → Create Application → its token",
    },
  },
  send(r) {
    const url = r.message.url;
    return sendJson(r, under(r.config.server, "/message"), {
      title: clip(r.title, 250),
      message: r.text,
      priority: PRIORITY[urgency(r.message)],
      extras: {
        "client::display": { contentType: "text/plain" },
        ...(url ? { "client::notification": { click: { url } } } : {}),
      },
    }, { headers: { "x-gotify-key": String(r.config.token) } });
  },
};
