/**
 * The generic webhook channel: a POST of the message as JSON (schema:
 * {@link WebhookBody}, versioned), with the notification's id in
 * `X-Sightline-Notification` so a receiver can drop a repeat (a hub that
 * died between sending and recording sends again on restart).
 */
import type { Message } from "./message.ts";
import type { SendOutcome } from "./channels.ts";

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

/** Checks a webhook's settings; returns a problem, or null. */
export function checkWebhook(config: Record<string, unknown>): string | null {
  const raw = config.url;
  if (typeof raw !== "string" || !raw.trim()) return "config.url must be the webhook's URL";
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return "config.url is not a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return "config.url must be an http or https URL";
  }
  if (url.username || url.password) return "config.url may not carry a user name or password";
  if (Object.keys(config).some((k) => k !== "url")) return "a webhook takes only config.url";
  return null;
}

export async function sendWebhook(
  config: Record<string, unknown>,
  id: number,
  message: Message,
  timeoutMs: number,
): Promise<SendOutcome> {
  const kind: WebhookKind = message.kind === "reminder" || message.kind === "resolved"
    ? message.kind
    : message.alerts.length > 1
    ? "grouped"
    : "firing"; // an escalation is a fire at critical severity
  const body: WebhookBody = {
    ...message,
    version: 1,
    kind,
    id,
    sent_at: new Date().toISOString(),
  };
  const url = String(config.url);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Sightline",
        "x-sightline-notification": String(id),
      },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    // Errors name the URL, and a webhook's URL is its secret: it is never kept or logged.
    const why = err instanceof DOMException && err.name === "TimeoutError"
      ? `no answer in ${timeoutMs / 1000} s`
      : String((err as Error).message ?? err).replaceAll(url, "the webhook URL");
    return { ok: false, status: null, detail: why };
  }
  const text = (await res.text().catch(() => "")).slice(0, 300);
  return {
    ok: res.ok,
    status: res.status,
    detail: text,
    retryAfter: res.headers.get("retry-after"),
  };
}
