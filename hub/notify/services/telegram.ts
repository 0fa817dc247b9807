/**
 * Telegram, through a bot: the Bot API's `sendMessage`
 * (https://core.telegram.org/bots/api#sendmessage), a POST of JSON
 * `{chat_id, text, parse_mode: "HTML", disable_web_page_preview}` to
 * `<api_url>/bot<token>/sendMessage`. The token is the secret, and it is in
 * the URL, so no URL is ever part of an outcome (outbound.ts words errors
 * without it). `api_url` is Telegram's own unless the bot talks to a
 * self-hosted Bot API server (https://github.com/tdlib/telegram-bot-api).
 * The text is HTML with the title in bold and everything escaped. Telegram
 * answers `{"ok": true, "result": {…}}`; a 429 says how long to wait in
 * `parameters.retry_after` (https://core.telegram.org/bots/api#responseparameters).
 */
import type { ChannelKind } from "../channels.ts";
import { clip, escapeHtml, jsonField, seconds, sendJson, under } from "./common.ts";

const TOKEN = /^\d+:[A-Za-z0-9_-]{20,}$/;
/** A chat's number (groups and channels are negative), or a public channel's @name. */
const CHAT = /^(-?\d{1,16}|@[A-Za-z][A-Za-z0-9_]{3,31})$/;

export const TELEGRAM: ChannelKind = {
  title: "Telegram",
  fields: {
    token: {
      label: "Bot token",
      kind: "text",
      secret: true,
      required: true,
      help: "From @BotFather: 123456789:AA…",
    },
    chat_id: {
      label: "Chat ID",
      kind: "text",
      required: true,
      help: "The chat's number (a group's is negative) or a public channel's @name",
    },
    api_url: {
      label: "Bot API server",
      kind: "url",
      default: "https://api.telegram.org",
      help: "Only for a self-hosted Bot API server",
    },
  },
  check(c) {
    if (!TOKEN.test(String(c.token))) {
      return {
        field: "config.token",
        problem: "Bot token must look like 123456789:AA… (BotFather)",
      };
    }
    if (!CHAT.test(String(c.chat_id))) {
      return {
        field: "config.chat_id",
        problem: "Chat ID must be a number (-100… for groups) or a channel's @name",
      };
    }
    return null;
  },
  send(r) {
    const chat = String(r.config.chat_id);
    return sendJson(r, under(r.config.api_url, `/bot${r.config.token}/sendMessage`), {
      chat_id: chat.startsWith("@") ? chat : Number(chat),
      text: `<b>${escapeHtml(clip(r.title, 256))}</b>\n${escapeHtml(clip(r.text, 3800))}`,
      parse_mode: "HTML",
      disable_web_page_preview: true,
    }, {
      waitInBody: (b) =>
        seconds(jsonField(b, (j) => (j.parameters as Record<string, unknown>)?.retry_after)),
    });
  },
};
