/**
 * What the service channels share: how urgent a message is (each service
 * maps that to its own priority or colour), cutting text to a service's
 * limit, escaping for the services that take HTML, and one JSON request
 * worded as an outcome. Each service's own request format lives in its
 * file beside this one.
 */
import type { FieldSpec, SendOutcome, SendRequest } from "../channels.ts";
import type { Message } from "../message.ts";
import { answer } from "../outbound.ts";

/** How urgent a message is: a resolve is calm whatever the rule's severity. */
export type Urgency = "critical" | "warning" | "resolved";

export function urgency(m: Message): Urgency {
  if (m.kind === "resolved") return "resolved";
  // compose() makes the rule's severity critical when any alert is.
  return m.kind === "escalated" || m.rule.severity === "critical" ? "critical" : "warning";
}

/** `s` cut to at most `max` characters (UTF-16 units, as the services count), marked when cut. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** `s` safe inside HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The service's base URL with `path` after it (a trailing slash on the base is dropped). */
export function under(base: string | number | string[] | undefined, path: string): string {
  return `${String(base).replace(/\/+$/, "")}${path}`;
}

/** A wait in seconds, as text, from a number a service gave (null when it gave none). */
export function seconds(n: unknown, unit: "s" | "ms" = "s"): string | null {
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return null;
  return String(Math.ceil(unit === "ms" ? n / 1000 : n));
}

/** A JSON body's field, or undefined when the body is not JSON. */
export function jsonField(body: string, read: (json: Record<string, unknown>) => unknown): unknown {
  try {
    const json = JSON.parse(body);
    return json && typeof json === "object" ? read(json) : undefined;
  } catch {
    return undefined;
  }
}

/** The setting of a service reached through a webhook: its URL, which is the secret. */
export function webhookUrl(label: string, help: string): FieldSpec {
  return { label, kind: "url", secret: true, required: true, help };
}

/** Sends `body` as JSON to `url` (POST unless told) and words the service's answer. */
export async function sendJson(
  r: Pick<SendRequest, "http" | "timeoutMs">,
  url: string,
  body: unknown,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    /** Where the service puts its wait in a failure's body, in seconds as text. */
    waitInBody?: (body: string) => string | null;
  } = {},
): Promise<SendOutcome> {
  const res = await r.http.fetch(url, {
    method: opts.method ?? "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "Sightline",
      ...opts.headers,
    },
    body: JSON.stringify(body),
  }, r.timeoutMs);
  return await answer(res, opts.waitInBody);
}
