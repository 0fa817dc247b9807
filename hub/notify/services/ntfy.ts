/**
 * ntfy: a POST of the text to `<server>/<topic>` with the title, priority,
 * tags and click URL in headers (https://docs.ntfy.sh/publish/). Priority by
 * severity: critical 5 (urgent), warning 4 (high), resolved 3 (default);
 * tags are emoji short codes by kind (`rotating_light`, `warning`,
 * `white_check_mark`) and the kind itself. A title that is not ASCII goes
 * as an RFC 2047 encoded word, which ntfy decodes (a header holds Latin-1
 * only). The access token, when the topic is protected, goes as
 * `Authorization: Bearer` (https://docs.ntfy.sh/publish/#access-tokens). On
 * ntfy.sh anyone who knows a topic can read it, so the topic is kept as a
 * secret too.
 */
import { Buffer } from "node:buffer";
import type { ChannelKind } from "../channels.ts";
import { answer } from "../outbound.ts";
import { clip, under, type Urgency, urgency } from "./common.ts";

const PRIORITY: Record<Urgency, string> = { critical: "5", warning: "4", resolved: "3" };
const EMOJI: Record<Urgency, string> = {
  critical: "rotating_light",
  warning: "warning",
  resolved: "white_check_mark",
};
/** ntfy's own rule for topic names. */
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

/** `s` as a header value: as it is when printable ASCII, else an RFC 2047 encoded word. */
export function headerText(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s).toString("base64")}?=`;
}

export const NTFY: ChannelKind = {
  title: "ntfy",
  fields: {
    server: { label: "Server", kind: "url", default: "https://ntfy.sh" },
    topic: {
      label: "Topic",
      kind: "text",
      secret: true,
      required: true,
      help: "Letters, digits, - and _; on ntfy.sh the topic is the password, so make it long",
    },
    token: {
      label: "Access token",
      kind: "text",
      secret: true,
      help: "Only for a protected topic: tk_…",
    },
  },
  check(c) {
    if (!TOPIC.test(String(c.topic))) {
      return { field: "config.topic", problem: "Topic must be 1–64 letters, digits, - or _" };
    }
    return null;
  },
  async send(r) {
    const u = urgency(r.message);
    const headers: Record<string, string> = {
      "content-type": "text/plain; charset=utf-8",
      "user-agent": "Sightline",
      title: headerText(clip(r.title, 250)),
      priority: PRIORITY[u],
      tags: `${EMOJI[u]},${r.message.kind}`,
    };
    if (r.message.url) headers.click = r.message.url;
    if (r.config.token) headers.authorization = `Bearer ${r.config.token}`;
    const res = await r.http.fetch(under(r.config.server, `/${r.config.topic}`), {
      method: "POST",
      headers,
      body: clip(r.text, 4000),
    }, r.timeoutMs);
    return await answer(res);
  },
};
