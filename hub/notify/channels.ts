/**
 * The channel types and the one interface delivery sends through. A type
 * declares its settings (which are secrets, which are required, what each
 * must look like) and how it sends one message; checking a channel when it
 * is saved, sealing its secrets, masking them in the API and drawing its
 * form all read that declaration. One file per service: `webhook.ts`, `email.ts` and
 * the services in `services/` (Slack, Discord, …).
 */
import type { ChannelType } from "../store/notifications/types.ts";
import type { Message } from "./message.ts";
import type { Outbound } from "./outbound.ts";
import { WEBHOOK } from "./webhook.ts";
import { SLACK } from "./services/slack.ts";
import { DISCORD } from "./services/discord.ts";
import { TELEGRAM } from "./services/telegram.ts";
import { TEAMS } from "./services/teams.ts";
import { NTFY } from "./services/ntfy.ts";
import { GOTIFY } from "./services/gotify.ts";
import { PUSHOVER } from "./services/pushover.ts";
import { MATRIX } from "./services/matrix.ts";
import { PAGERDUTY } from "./services/pagerduty.ts";
import { EMAIL } from "./email.ts";

/** What one send came to; `retryAfter` is the service's wait (a Retry-After header, as sent). */
export interface SendOutcome {
  ok: boolean;
  status: number | null;
  detail: string;
  retryAfter?: string | null;
}

/** One setting of a channel type. */
export interface FieldSpec {
  label: string;
  kind: "url" | "text" | "emails" | "number" | "choice" | "pem";
  /** Sealed at rest, never shown back (only its last 4 characters). */
  secret?: boolean;
  required?: boolean;
  /** For `choice`. */
  choices?: readonly string[];
  /** Shown in the form when empty, and used when left out. */
  default?: string | number;
  help?: string;
}

/** What a send is given: the settings (secrets opened), the message, how to reach out. */
export interface SendRequest {
  config: Record<string, string | number | string[]>;
  /** The notification's id: the same on every try (an idempotency key where a service has one). */
  id: number;
  message: Message;
  /** The title and text as the channel's template words them (the defaults without one). */
  title: string;
  text: string;
  /** The only way out: http(s) with a timeout and the destination policy (outbound.ts). */
  http: Outbound;
  timeoutMs: number;
}

export interface ChannelKind {
  title: string;
  fields: Record<string, FieldSpec>;
  /** A check beyond each field's own (a URL's host, say); a problem, or null. */
  check?(
    config: Record<string, string | number | string[]>,
  ): { field: string; problem: string } | null;
  /** Values made when the channel is added, shown once (a webhook's signing secret). */
  generated?: () => Record<string, string>;
  send(r: SendRequest): Promise<SendOutcome>;
}

export const CHANNEL_KINDS: Record<ChannelType, ChannelKind> = {
  webhook: WEBHOOK,
  slack: SLACK,
  discord: DISCORD,
  telegram: TELEGRAM,
  teams: TEAMS,
  ntfy: NTFY,
  gotify: GOTIFY,
  pushover: PUSHOVER,
  matrix: MATRIX,
  pagerduty: PAGERDUTY,
  email: EMAIL,
};

export const CHANNEL_TYPES = Object.keys(CHANNEL_KINDS) as ChannelType[];

/** What a form needs of a type: its title and its settings (`GET /api/v1/channel-types`). */
export interface ChannelDeclaration {
  title: string;
  fields: Record<string, FieldSpec>;
}

/** Every type's declaration, for the API and the channel form's first render. */
export function declarations(): Record<ChannelType, ChannelDeclaration> {
  return Object.fromEntries(
    Object.entries(CHANNEL_KINDS).map(([type, k]) => [type, { title: k.title, fields: k.fields }]),
  ) as Record<ChannelType, ChannelDeclaration>;
}

/** A channel's settings as checked: what may be shown, and what is sealed. */
export interface CheckedConfig {
  public: Record<string, string | number | string[]>;
  secret: Record<string, string>;
}

const EMAIL_ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

/** Checks `raw` against the type's fields; the problem names `config.<field>`. */
export function checkConfig(
  type: ChannelType,
  raw: Record<string, unknown>,
): { ok: true; config: CheckedConfig } | { ok: false; field: string; problem: string } {
  const kind = CHANNEL_KINDS[type];
  const out: CheckedConfig = { public: {}, secret: {} };
  const merged: Record<string, string | number | string[]> = {};
  for (const k of Object.keys(raw)) {
    if (!(k in kind.fields)) {
      return { ok: false, field: `config.${k}`, problem: `A ${type} channel has no setting ${k}` };
    }
  }
  for (const [name, f] of Object.entries(kind.fields)) {
    const field = `config.${name}`;
    let v = raw[name];
    if (v === undefined || v === null || v === "") {
      if (f.required) return { ok: false, field, problem: `${f.label} is required` };
      if (f.default === undefined) continue;
      v = f.default;
    }
    let value: string | number | string[];
    switch (f.kind) {
      case "url": {
        let url: URL | null = null;
        try {
          url = new URL(String(v).trim());
        } catch { /* below */ }
        if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
          return { ok: false, field, problem: `${f.label} must be an http or https URL` };
        }
        if (url.username || url.password) {
          return { ok: false, field, problem: `${f.label} may not carry a user name or password` };
        }
        value = url.href;
        break;
      }
      case "number": {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) {
          return { ok: false, field, problem: `${f.label} must be a whole number` };
        }
        value = n;
        break;
      }
      case "choice":
        if (!f.choices?.includes(String(v))) {
          return {
            ok: false,
            field,
            problem: `${f.label} must be one of ${f.choices?.join(", ")}`,
          };
        }
        value = String(v);
        break;
      case "emails": {
        const list = Array.isArray(v) ? v.map(String) : String(v).split(",");
        const emails = list.map((e) => e.trim()).filter(Boolean);
        const bad = emails.find((e) => !EMAIL_ADDRESS.test(e));
        if (!emails.length || bad !== undefined) {
          return {
            ok: false,
            field,
            problem: `${f.label}: ${bad ?? "none"} is not an e-mail address`,
          };
        }
        value = emails;
        break;
      }
      case "pem": {
        const s = String(v).trim();
        if (
          !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/.test(s) ||
          s.length > 20_000
        ) {
          return { ok: false, field, problem: `${f.label} must be PEM certificates` };
        }
        value = s;
        break;
      }
      case "text": {
        const s = String(v).trim();
        // deno-lint-ignore no-control-regex
        if (/[\u0000-\u001f\u007f]/.test(s) || s.length > 2000) {
          return {
            ok: false,
            field,
            problem: `${f.label} holds control characters or is too long`,
          };
        }
        value = s;
        break;
      }
    }
    merged[name] = value;
    if (f.secret) out.secret[name] = String(value);
    else out.public[name] = value;
  }
  const extra = kind.check?.(merged);
  if (extra) return { ok: false, ...extra };
  return { ok: true, config: out };
}

/** A secret as the API shows it: its last 4 characters. */
export function masked(value: string): string {
  return value.length > 8 ? `…${value.slice(-4)}` : "…";
}
