/**
 * Microsoft Teams, through a Workflows webhook (the "Send webhook alerts to
 * a channel" template: "When a Teams webhook request is received", then
 * "Post card in a chat or channel";
 * https://support.microsoft.com/en-us/office/create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498).
 * The flow's URL is the secret. The body is a message with one Adaptive
 * Card attachment
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-reference#adaptive-card):
 * the title in a colour by severity, the text, and a button to the hub
 * when its address is known. Not the retired Office 365 connector's
 * MessageCard. The flow answers 202 Accepted; a 429 carries Retry-After.
 */
import type { ChannelKind } from "../channels.ts";
import { clip, sendJson, type Urgency, urgency, webhookUrl } from "./common.ts";

/** The Adaptive Card text colours for each urgency. */
const COLOUR: Record<Urgency, string> = {
  critical: "attention",
  warning: "warning",
  resolved: "good",
};

/**
 * The text as a TextBlock per line: Teams folds single line breaks inside
 * one block, and a blank line becomes space before the next block.
 */
function lines(text: string) {
  const out: Array<Record<string, unknown>> = [];
  let gap = true;
  for (const line of text.split("\n")) {
    if (!line.trim()) {
      gap = true;
      continue;
    }
    out.push({ type: "TextBlock", text: line, wrap: true, spacing: gap ? "Medium" : "None" });
    gap = false;
  }
  return out;
}

export const TEAMS: ChannelKind = {
  title: "Microsoft Teams",
  fields: {
    url: webhookUrl(
      "Workflow webhook URL",
      "Channel → ⋯ → Workflows → “Send webhook alerts to a channel” → copy the URL",
    ),
  },
  send(r) {
    const url = r.message.url;
    return sendJson(r, String(r.config.url), {
      type: "message",
      attachments: [{
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          msteams: { width: "Full" },
          body: [
            {
              type: "TextBlock",
              text: clip(r.title, 500),
              weight: "Bolder",
              size: "Medium",
              color: COLOUR[urgency(r.message)],
              wrap: true,
            },
            ...lines(clip(r.text, 10_000)),
          ],
          ...(url
            ? { actions: [{ type: "Action.OpenUrl", title: "Open in Sightline", url }] }
            : {}),
        },
      }],
    });
  },
};
