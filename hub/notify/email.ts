/**
 * The e-mail channel: SMTP through nodemailer, the field's standard
 * library (connection handling, STARTTLS, AUTH, MIME are not things to write
 * by hand). Security is `starttls` (port 587: the connection must be
 * upgraded, or the message is not sent), `tls` (implicit TLS, port 465) or
 * `none` (a relay on a trusted network). Certificates are verified, against
 * the system's roots or a CA the admin pastes for a private relay. Each
 * message has a plain-text part and an HTML part; its Message-ID is made from
 * the notification's id, so a repeat is recognisable.
 */
import nodemailer from "nodemailer";
import { isIP } from "node:net";
import type { ChannelKind, SendOutcome } from "./channels.ts";
import type { Message } from "./message.ts";

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** The HTML part: the text as paragraphs, the alerts as a table. */
export function emailHtml(m: Message, title: string, text: string): string {
  const rows = m.alerts.slice(0, 200).map((a) =>
    `<tr><td>${esc(a.subject)}</td><td>${
      esc(Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(", "))
    }</td>` +
    `<td>${a.value === null ? "" : esc(String(Math.round(a.value * 100) / 100))}</td><td>${
      esc(a.state)
    }</td></tr>`
  ).join("");
  const link = m.url ? `<p><a href="${esc(m.url)}">Open in Sightline</a></p>` : "";
  return `<!doctype html><html><body><h2>${esc(title)}</h2>` +
    text.split("\n\n").map((p) => `<p>${esc(p).replaceAll("\n", "<br>")}</p>`).join("") +
    `<table border="1" cellpadding="4" cellspacing="0"><tr><th>host</th><th>series</th><th>value</th><th>state</th></tr>${rows}</table>` +
    `${link}</body></html>`;
}

export const EMAIL: ChannelKind = {
  title: "E-mail (SMTP)",
  fields: {
    host: { label: "SMTP server", kind: "text", required: true },
    port: { label: "Port", kind: "number", default: 587 },
    security: {
      label: "Security",
      kind: "choice",
      choices: ["starttls", "tls", "none"],
      default: "starttls",
      help: "starttls: upgrade required (587); tls: implicit TLS (465); none: trusted relay only",
    },
    username: { label: "User name", kind: "text" },
    password: { label: "Password", kind: "text", secret: true },
    from: { label: "From", kind: "emails", required: true },
    to: { label: "To", kind: "emails", required: true },
    ca_pem: {
      label: "CA certificate (PEM)",
      kind: "pem",
      help: "only for a relay whose certificate a private CA signed",
    },
  },
  check(c) {
    if (c.password && !c.username) {
      return { field: "config.username", problem: "A password needs a user name" };
    }
    if ((c.from as string[]).length !== 1) {
      return { field: "config.from", problem: "From is one address" };
    }
    return null;
  },
  async send({ config: c, id, message, title, text, timeoutMs }): Promise<SendOutcome> {
    const security = String(c.security);
    // The hub's outbound policy is for http(s); SMTP goes to the one server the admin named.
    const transport = nodemailer.createTransport({
      host: String(c.host),
      port: Number(c.port),
      secure: security === "tls",
      requireTLS: security === "starttls",
      ignoreTLS: security === "none",
      auth: c.username ? { user: String(c.username), pass: String(c.password ?? "") } : undefined,
      // SNI names a host; a server given by its IP is checked against the IP instead.
      tls: {
        ...(c.ca_pem ? { ca: String(c.ca_pem) } : {}),
        ...(isIP(String(c.host)) ? {} : { servername: String(c.host) }),
      },
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    try {
      const domain = String((c.from as string[])[0]).split("@")[1];
      const info = await transport.sendMail({
        from: (c.from as string[])[0],
        to: c.to as string[],
        subject: title,
        text,
        html: emailHtml(message, title, text),
        messageId: `<sightline-${id}-${message.kind}@${domain}>`,
        headers: { "X-Sightline-Notification": String(id) },
      });
      return { ok: true, status: 250, detail: String(info.response ?? "").slice(0, 300) };
    } catch (err) {
      const e = err as { responseCode?: number; code?: string; message?: string };
      // A 4xx reply is temporary: delivery tries again; so does a network failure.
      return {
        ok: false,
        status: e.responseCode ?? null,
        detail: `${e.code ?? "SMTP"}: ${String(e.message ?? err).slice(0, 250)}`,
      };
    } finally {
      transport.close();
    }
  },
};
