/**
 * Channel secrets at rest (webhook URLs, bot tokens, SMTP passwords): sealed
 * with AES-256-GCM under a key derived from the hub secret (HKDF-SHA-256,
 * its own label), so a copy of the database alone reads none of them. A
 * sealed value is `v1.<iv>.<ciphertext>` (base64url); the channel's id is
 * bound in as associated data, so a sealed blob moved to another channel's
 * row does not open there.
 */
import { Buffer } from "node:buffer";

const INFO = new TextEncoder().encode("sightline channel secrets v1");

export class Sealer {
  private constructor(private key: CryptoKey) {}

  /** The sealer of the hub whose secret is `hubSecret`. */
  static async of(hubSecret: Uint8Array): Promise<Sealer> {
    const raw = new Uint8Array(hubSecret); // a copy on an ArrayBuffer of its own
    const base = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
    const key = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: INFO },
      base,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
    return new Sealer(key);
  }

  async seal(channelId: string, value: Record<string, string>): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = new TextEncoder().encode(JSON.stringify(value));
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(channelId) },
      this.key,
      data,
    );
    const b64 = (b: ArrayBuffer | Uint8Array) =>
      Buffer.from(new Uint8Array(b)).toString("base64url");
    return `v1.${b64(iv)}.${b64(sealed)}`;
  }

  /** The secrets sealed for `channelId`; throws when they were sealed by another hub secret. */
  async open(channelId: string, sealed: string): Promise<Record<string, string>> {
    const [v, iv, body] = sealed.split(".");
    if (v !== "v1" || !iv || !body) throw new Error("Not a sealed channel secret");
    const plain = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: Buffer.from(iv, "base64url"),
        additionalData: new TextEncoder().encode(channelId),
      },
      this.key,
      Buffer.from(body, "base64url"),
    ).catch(() => {
      throw new Error("Cannot open a channel's secrets: sealed under another hub secret");
    });
    return JSON.parse(new TextDecoder().decode(plain));
  }
}
