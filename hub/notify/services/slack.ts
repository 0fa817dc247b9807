/**
 * Slack, through an incoming webhook: a POST of JSON `{text, blocks}` to the
 * webhook's URL, which is the secret (https://api.slack.com/messaging/webhooks).
 * `text` is the fallback notifications show; the blocks are a header (plain
 * text, at most 150 characters) and a section of mrkdwn (at most 3000), with
 * `&`, `<` and `>` escaped as Slack's formatting guide asks
 * (https://api.slack.com/reference/surfaces/formatting#escaping), so a host
 * or label cannot make a link or a mention. Slack answers 200 `ok`; a 429
 * carries Retry-After.
 */
import type { ChannelKind } from "../channels.ts";
import { clip, sendJson, webhookUrl } from "./common.ts";

/** Text as Slack's mrkdwn reads it literally. */
function mrkdwn(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

export const SLACK: ChannelKind = {
  title: "Slack",
  fields: {
    url: webhookUrl(
      "Webhook URL",
      "Slack app → Incoming Webhooks → Add New Webhook: https://hooks.slack.com/services/…",
    ),
  },
  send(r) {
    return sendJson(r, String(r.config.url), {
      text: mrkdwn(clip(`${r.title}\n${r.text}`, 3000)),
      blocks: [
        { type: "header", text: { type: "plain_text", text: clip(r.title, 150) } },
        { type: "section", text: { type: "mrkdwn", text: mrkdwn(clip(r.text, 3000)) } },
      ],
    });
  },
};
