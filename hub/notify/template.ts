/**
 * A channel's own wording: Mustache templates (the `mustache` package, the
 * reference JavaScript implementation), logic-less by design: a template
 * can name fields of the message, loop over its alerts and test whether a
 * field is there, and nothing else; it cannot run code. Output is plain
 * text (nothing is HTML-escaped: the channels that send HTML escape what
 * they send). A template is checked when it is saved; an error says where.
 */
// @deno-types="@types/mustache"
import Mustache from "mustache";
import type { Message } from "./message.ts";
import type { ChannelTemplate } from "../store/notifications/types.ts";

/** The longest template accepted. */
const MAX = 4000;

/** Why a template cannot be used, with where; null when it parses. */
export function checkTemplate(template: string): string | null {
  if (template.length > MAX) return `A template is at most ${MAX} characters`;
  try {
    Mustache.parse(template);
    // Partials would read other templates: there are none to read, so none may be named.
    if (/\{\{\s*>/.test(template)) return "Partials ({{> name}}) are not available";
    return null;
  } catch (err) {
    return `Cannot read the template: ${(err as Error).message}`;
  }
}

/** The message's fields as a template sees them (the webhook body's, plus `count`). */
function view(m: Message) {
  return { ...m, count: m.alerts.length, grouped: m.alerts.length > 1 };
}

/** The title and text `t` makes of `m`; the default wording where `t` has none. */
export function render(t: ChannelTemplate | null, m: Message): { title: string; text: string } {
  const opts = { escape: (s: string) => s };
  return {
    title: t?.title ? Mustache.render(t.title, view(m), {}, opts).trim() : m.title,
    text: t?.body ? Mustache.render(t.body, view(m), {}, opts).trim() : m.text,
  };
}
