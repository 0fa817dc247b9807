/**
 * The e-mail channel against a real SMTP server (aiosmtpd, from Debian's
 * python3-aiosmtpd; tests/smtp/server.py), read back from the Maildir it
 * writes: a firing and a resolved message with a text and an HTML part;
 * STARTTLS with authentication against a private CA; implicit TLS; a wrong
 * password refused without the password in the answer; a server that offers
 * no STARTTLS is not sent to in the clear.
 */
import { assert, assertEquals } from "../lib/assert.ts";
import { freePort, processTest, until } from "./harness.ts";
import { Sealer } from "../hub/notify/sealed.ts";
import { sendTo } from "../hub/notify/delivery.ts";
import { checkConfig } from "../hub/notify/channels.ts";
import { compose } from "../hub/notify/message.ts";
import { checkRule } from "../lib/alerts/rules.ts";
import type { Channel } from "../hub/store/notifications/types.ts";
import type { Alert } from "../hub/store/alerts/types.ts";

const PYTHON = "/usr/bin/python3";
const SERVER = new URL("./smtp/server.py", import.meta.url).pathname;
const haveSmtp = (() => {
  try {
    return new Deno.Command(PYTHON, { args: ["-c", "import aiosmtpd"] }).outputSync().success;
  } catch {
    return false;
  }
})();

/** A running SMTP server and the Maildir it writes. */
async function smtp(dir: string, args: string[] = []) {
  const port = freePort();
  const maildir = `${dir}/maildir-${port}`;
  const child = new Deno.Command(PYTHON, {
    args: [SERVER, String(port), maildir, ...args],
    stdin: "piped",
    stdout: "piped",
    // Its own log of refused handshakes (the untrusted-certificate case) is not the test's output.
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the SMTP server did not start");
    out += value;
  }
  return {
    port,
    /** Every message it accepted, raw. */
    async messages(): Promise<string[]> {
      const found: string[] = [];
      for await (const e of Deno.readDir(`${maildir}/new`)) {
        found.push(await Deno.readTextFile(`${maildir}/new/${e.name}`));
      }
      return found;
    },
    async stop() {
      await child.stdin.close().catch(() => {});
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      reader.releaseLock();
      await child.stdout.cancel().catch(() => {});
    },
  };
}

/** A self-signed certificate for 127.0.0.1 (its own CA), made with openssl. */
async function certificate(dir: string) {
  const out = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return {
    cert: `${dir}/cert.pem`,
    key: `${dir}/key.pem`,
    pem: await Deno.readTextFile(`${dir}/cert.pem`),
  };
}

const sealer = await Sealer.of(crypto.getRandomValues(new Uint8Array(32)));

async function emailChannel(config: Record<string, unknown>): Promise<Channel> {
  const check = checkConfig("email", config);
  if (!check.ok) throw new Error(`${check.field}: ${check.problem}`);
  const id = crypto.randomUUID();
  return {
    id,
    name: "mail",
    type: "email",
    config: check.config.public,
    secret: Object.keys(check.config.secret).length
      ? await sealer.seal(id, check.config.secret)
      : null,
    filters: {},
    template: null,
    enabled: true,
    created_at: 0,
    updated_at: 0,
  };
}

const rule = (() => {
  const c = checkRule({ name: "Disk full", metric: "fs_used_percent", op: ">", threshold: 90 });
  if (!c.ok) throw new Error(c.error.problem);
  return { ...c.rule, id: "r1" };
})();

function message(kind: "firing" | "resolved") {
  const now = Date.now();
  const alert: Alert = {
    id: 7,
    rule_id: "r1",
    rule_name: "Disk full",
    host_id: "h1",
    labels: { mount: "/var" },
    labels_key: "mount=/var",
    state: kind === "firing" ? "firing" : "resolved",
    severity: "warning",
    value: 93.5,
    threshold: 90,
    pending_since: now - 600_000,
    fired_at: now - 300_000,
    resolved_at: kind === "resolved" ? now : null,
    notified_at: now,
    acknowledged_by: null,
    acknowledged_at: null,
    closed_reason: null,
    processes: null,
  };
  return compose(
    { kind, items: [] },
    rule,
    [alert],
    () => "db-1 <primary>",
    now,
    "https://hub.example.com",
  );
}

/** A header's value in a raw message (unfolded). */
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, " ");
  return new RegExp(`^${name}: (.*)$`, "mi").exec(head)?.[1];
}

processTest(
  "e-mail: a firing and a resolved message reach a real SMTP server, as text and HTML",
  async (t) => {
    if (!haveSmtp) throw new Error("python3-aiosmtpd is not installed (.ci/run installs it)");
    const server = t.own(await smtp(t.dir));
    const ch = await emailChannel({
      host: "127.0.0.1",
      port: server.port,
      security: "none",
      from: "sightline@example.com",
      to: "ops@example.com, oncall@example.com",
    });
    for (const [i, kind] of (["firing", "resolved"] as const).entries()) {
      const sent = await sendTo(ch, 40 + i, message(kind), { sealer });
      assert(sent.ok, JSON.stringify(sent));
    }
    await until("two messages", async () => (await server.messages()).length === 2);
    const got = (await server.messages()).sort((a, b) =>
      (header(a, "Message-ID") ?? "").localeCompare(header(b, "Message-ID") ?? "")
    );
    const subjects = got.map((m) => header(m, "Subject"));
    assertEquals(subjects, [
      "[FIRING] Disk full on db-1 <primary> (mount=/var)",
      "[RESOLVED] Disk full on db-1 <primary> (mount=/var)",
    ]);
    for (const [i, m] of got.entries()) {
      assertEquals(header(m, "From"), "sightline@example.com");
      assertEquals(header(m, "To"), "ops@example.com, oncall@example.com");
      assertEquals(header(m, "X-Sightline-Notification"), String(40 + i));
      assert(
        /multipart\/alternative/i.test(header(m, "Content-Type") ?? ""),
        "text and HTML parts",
      );
      assert(/Content-Type: text\/plain/i.test(m) && /Content-Type: text\/html/i.test(m), m);
      // The host's name is escaped in the HTML part.
      assert(m.includes("db-1 &lt;primary&gt;") || /db-1 =?\r?\n?&lt;/.test(m), "escaped in HTML");
    }
    assert(got[1].includes("resolved after 5 min"), "the resolve says how long it fired");
  },
);

processTest(
  "e-mail: STARTTLS with a password against a private CA; implicit TLS; a wrong password",
  async (t) => {
    if (!haveSmtp) throw new Error("python3-aiosmtpd is not installed (.ci/run installs it)");
    const tls = await certificate(t.dir);
    const starttls = t.own(
      await smtp(t.dir, ["--starttls", tls.cert, tls.key, "--auth", "hub", "s3cret-pass"]),
    );
    const base = {
      host: "127.0.0.1",
      port: starttls.port,
      security: "starttls",
      username: "hub",
      password: "s3cret-pass",
      from: "sightline@example.com",
      to: "ops@example.com",
      ca_pem: tls.pem,
    };
    const sent = await sendTo(await emailChannel(base), 1, message("firing"), { sealer });
    assert(sent.ok, JSON.stringify(sent));
    await until("the message over STARTTLS", async () => (await starttls.messages()).length === 1);

    const wrong = await sendTo(
      await emailChannel({ ...base, password: "not-the-password" }),
      2,
      message("firing"),
      { sealer },
    );
    assertEquals([wrong.ok, wrong.status], [false, 535]);
    assert(!wrong.detail.includes("not-the-password"), wrong.detail);

    // Without the CA the certificate is not trusted: nothing is sent.
    const untrusted = await sendTo(
      await emailChannel({ ...base, ca_pem: undefined }),
      3,
      message("firing"),
      { sealer },
    );
    assertEquals(untrusted.ok, false);

    const implicit = t.own(await smtp(t.dir, ["--tls", tls.cert, tls.key]));
    const viaTls = await sendTo(
      await emailChannel({
        ...base,
        port: implicit.port,
        security: "tls",
        username: "",
        password: "",
      }),
      4,
      message("resolved"),
      { sealer },
    );
    assert(viaTls.ok, JSON.stringify(viaTls));
    await until("the message over TLS", async () => (await implicit.messages()).length === 1);
    assertEquals((await starttls.messages()).length, 1, "only the good one got through");
  },
);

processTest("e-mail: a server that offers no STARTTLS is not sent to in the clear", async (t) => {
  if (!haveSmtp) throw new Error("python3-aiosmtpd is not installed (.ci/run installs it)");
  const plain = t.own(await smtp(t.dir));
  const sent = await sendTo(
    await emailChannel({
      host: "127.0.0.1",
      port: plain.port,
      security: "starttls",
      from: "sightline@example.com",
      to: "ops@example.com",
    }),
    1,
    message("firing"),
    { sealer },
  );
  assertEquals(sent.ok, false);
  assertEquals(await plain.messages(), []);
});
