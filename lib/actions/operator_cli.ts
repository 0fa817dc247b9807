/**
 * The operator's CLI, for admins without a browser (issue 20): run on the
 * admin's own machine, never on the hub, it keeps the operator key in a file
 * only its owner can read and signs grants with it.
 *
 *   deno task operator keygen FILE
 *   SIGHTLINE_API_KEY=… deno task operator run --hub URL --key FILE --host ID ACTION [NAME=VALUE…]
 *
 * `keygen` prints the public key to pin on hosts on its last line; `run`
 * prints the action's output and exits with its exit status (1 when refused).
 */
import { parseArgs } from "node:util";
import { encodeKey, fromBase64, signGrant } from "./grant.ts";

const USAGE = `Usage:
  deno task operator keygen FILE
  SIGHTLINE_API_KEY=KEY deno task operator run --hub URL --key FILE --host ID ACTION [NAME=VALUE ...]`;

const PEM = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/;

async function keygen(file: string): Promise<number> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const b64 = btoa(String.fromCharCode(...pkcs8));
  // createNew: never overwrite a key hosts may have pinned.
  await Deno.writeTextFile(
    file,
    `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n# ${encodeKey(raw)}\n`,
    { mode: 0o600, createNew: true },
  );
  console.log(`Operator key written to ${file} (readable by you alone). Pin this on each host:`);
  console.log(encodeKey(raw));
  return 0;
}

async function readKey(file: string): Promise<CryptoKey> {
  const info = await Deno.stat(file);
  if (info.mode !== null && (info.mode & 0o077) !== 0) {
    throw new Error(
      `${file} is readable by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`,
    );
  }
  const m = PEM.exec(await Deno.readTextFile(file));
  const der = m ? fromBase64(m[1].replace(/\s+/g, "")) : null;
  if (!der) throw new Error(`${file} holds no private key`);
  return crypto.subtle.importKey(
    "pkcs8",
    der as Uint8Array<ArrayBuffer>,
    { name: "Ed25519" },
    false,
    [
      "sign",
    ],
  );
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { hub: { type: "string" }, key: { type: "string" }, host: { type: "string" } },
  });
  const apiKey = Deno.env.get("SIGHTLINE_API_KEY");
  const [action, ...pairs] = positionals;
  if (!values.hub || !values.key || !values.host || !action || !apiKey) {
    console.error(USAGE);
    return 2;
  }
  const params: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf("=");
    if (i <= 0) {
      console.error(`Not NAME=VALUE: ${p}`);
      return 2;
    }
    params[p.slice(0, i)] = p.slice(i + 1);
  }
  const grant = await signGrant(await readKey(values.key), { agent: values.host, action, params });
  const res = await fetch(
    `${values.hub.replace(/\/$/, "")}/api/v1/hosts/${encodeURIComponent(values.host)}/actions`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ action, params, ...grant }),
    },
  );
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    console.error(`Refused (${res.status}): ${body?.error?.message ?? "no reason given"}`);
    return 1;
  }
  if (body.output) console.log(body.output.replace(/\n$/, ""));
  console.error(`exit ${body.exit_code} in ${Math.round(body.duration_ms)} ms`);
  return body.exit_code === 0 ? 0 : Math.min(255, Math.max(1, body.exit_code));
}

if (import.meta.main) {
  const [command, ...rest] = Deno.args;
  try {
    if (command === "keygen" && rest.length === 1) Deno.exit(await keygen(rest[0]));
    if (command === "run") Deno.exit(await run(rest));
    console.error(USAGE);
    Deno.exit(2);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(1);
  }
}
