/**
 * Pushover: a POST of form fields `token`, `user`, `title`, `message`,
 * `priority`, `url` and `url_title` to `<api_url>/1/messages.json`
 * (https://pushover.net/api). The application's token and the user (or
 * group) key are both secrets. Priority by severity: critical 1 (high:
 * past quiet hours), warning 0, resolved -1 (quiet); emergency (2) would
 * need acknowledgement settings and is not used. `api_url` is Pushover's
 * own unless a test points it elsewhere. Pushover answers 200
 * `{"status": 1, "request": …}`; a refusal is a 4xx with `errors`.
 */
import type { ChannelKind } from "../channels.ts";
import { answer } from "../outbound.ts";
import { clip, under, type Urgency, urgency } from "./common.ts";

const PRIORITY: Record<Urgency, string> = { critical: "1", warning: "0", resolved: "-1" };
/** Pushover's tokens and user keys: 30 letters and digits. */
const KEY = /^[A-Za-z0-9]{30}$/;

export const PUSHOVER: ChannelKind = {
  title: "Pushover",
  fields: {
    token: {
      label: "Application token",
      kind: "text",
      secret: true,
      required: true,
      help: "pushover.net → Create an Application/API Token",
    },
    user: {
      label: "User or group key",
      kind: "text",
      secret: true,
      required: true,
      help: "Shown at the top of your pushover.net dashboard",
    },
    api_url: { label: "API server", kind: "url", default: "https://api.pushover.net" },
  },
  check(c) {
    for (const field of ["token", "user"]) {
      if (!KEY.test(String(c[field]))) {
        return { field: `config.${field}`, problem: "Pushover keys are 30 letters and digits" };
      }
    }
    return null;
  },
  async send(r) {
    const form = new URLSearchParams({
      token: String(r.config.token),
      user: String(r.config.user),
      title: clip(r.title, 250),
      message: clip(r.text, 1024),
      priority: PRIORITY[urgency(r.message)],
    });
    // Pushover's limit for a URL is 512 characters; a cut URL would lead nowhere.
    if (r.message.url && r.message.url.length <= 512) {
      form.set("url", r.message.url);
      form.set("url_title", "Open in Sightline");
    }
    const res = await r.http.fetch(under(r.config.api_url, "/1/messages.json"), {
      method: "POST",
      headers: { "user-agent": "Sightline" },
      body: form,
    }, r.timeoutMs);
    return await answer(res);
  },
};
