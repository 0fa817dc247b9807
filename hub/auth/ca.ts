/**
 * The hub's certificate authority: an ECDSA P-256 CA and a server certificate
 * it signs, generated on first start into the data dir. Agents pin the CA, so
 * the server certificate is checked against the fixed name {@link HUB_TLS_NAME}
 * rather than whatever address the agent was told to dial.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { join } from "node:path";
import { HUB_TLS_NAME } from "../../lib/link.ts";

/** PEM material the gRPC server needs, plus the CA agents pin. */
export interface HubTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;
}

function serial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f; // a positive integer, as RFC 5280 requires
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Makes a new CA and a server certificate for `names` signed by it. */
export async function generateHubTls(names: string[] = []): Promise<HubTls> {
  x509.cryptoProvider.set(crypto);
  const now = Date.now();
  const caKeys = await crypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=Sightline hub CA",
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 20 * 365 * DAY_MS),
    signingAlgorithm: ALG,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const serverKeys = await crypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const dns = [HUB_TLS_NAME, "localhost", ...names.filter((n) => !isIp(n))];
  const ips = ["127.0.0.1", "::1", ...names.filter(isIp)];
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${HUB_TLS_NAME}`,
    issuer: ca.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 10 * 365 * DAY_MS),
    signingAlgorithm: ALG,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...[...new Set(dns)].map((value) => ({ type: "dns" as const, value })),
        ...[...new Set(ips)].map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  return {
    caPem: ca.toString("pem") + "\n",
    certPem: server.toString("pem") + "\n",
    keyPem: toPem(await crypto.subtle.exportKey("pkcs8", serverKeys.privateKey), "PRIVATE KEY"),
  };
}

function isIp(name: string): boolean {
  return /^[\d.]+$/.test(name) || name.includes(":");
}

const FILES = { caPem: "ca.pem", certPem: "server.pem", keyPem: "server-key.pem" } as const;

/**
 * Loads the hub's TLS material from `dir`, generating it on first start. The
 * CA key is not kept: the server certificate is issued once, and a new one
 * means a new CA (and agents registering again).
 */
export async function loadOrCreateHubTls(dir: string, names: string[] = []): Promise<HubTls> {
  const paths = Object.fromEntries(
    Object.entries(FILES).map(([k, f]) => [k, join(dir, f)]),
  ) as Record<keyof HubTls, string>;
  try {
    return {
      caPem: await Deno.readTextFile(paths.caPem),
      certPem: await Deno.readTextFile(paths.certPem),
      keyPem: await Deno.readTextFile(paths.keyPem),
    };
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const tls = await generateHubTls(names);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(paths.keyPem, tls.keyPem, { mode: 0o600 });
  await Deno.writeTextFile(paths.certPem, tls.certPem);
  await Deno.writeTextFile(paths.caPem, tls.caPem);
  return tls;
}
