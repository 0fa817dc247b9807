/**
 * A raw HTTP/2 client written by hand for the churn attackers: frames (valid
 * or not), HPACK literals without indexing, TLS and TCP dialling with the
 * port's refusals told apart. Deliberately not lib/h2, the code under attack.
 */
import tls from "node:tls";
import net from "node:net";
import { Buffer } from "node:buffer";
import { HUB_TLS_NAME } from "../lib/link.ts";

export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export function frame(
  type: number,
  flags: number,
  id: number,
  payload: Uint8Array = new Uint8Array(),
) {
  const out = Buffer.alloc(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(id >>> 0, 5);
  out.set(payload, 9);
  return out;
}

/** A frame header claiming `length` bytes, whatever follows. */
export function frameHeader(length: number, type: number, flags: number, id: number) {
  const out = Buffer.alloc(9);
  out.writeUIntBE(length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(id >>> 0, 5);
  return out;
}

function hpackInt(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** HPACK literal header fields without indexing, no Huffman: valid and simple. */
export function headerBlock(headers: [string, string][]): Uint8Array {
  const bytes: number[] = [];
  for (const [n, v] of headers) {
    const name = Buffer.from(n, "latin1");
    const value = Buffer.from(v, "latin1");
    bytes.push(0x00, ...hpackInt(name.length, 7, 0), ...name);
    bytes.push(...hpackInt(value.length, 7, 0), ...value);
  }
  return new Uint8Array(bytes);
}

export function requestHeaders(path: string, extra: Record<string, string> = {}): Uint8Array {
  return headerBlock([
    [":method", "POST"],
    [":scheme", "https"],
    [":path", path],
    [":authority", HUB_TLS_NAME],
    ["content-type", "application/grpc+proto"],
    ["te", "trailers"],
    ...Object.entries(extra),
  ]);
}

export function grpcMessage(body: Uint8Array): Uint8Array {
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
}

const SETTINGS = (pairs: [number, number][] = []) => {
  const p = Buffer.alloc(pairs.length * 6);
  pairs.forEach(([k, v], i) => (p.writeUInt16BE(k, i * 6), p.writeUInt32BE(v, i * 6 + 2)));
  return frame(4, 0, 0, p);
};
export const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};
export const goaway = (last = 0, code = 0) => frame(7, 0, 0, Buffer.concat([u32(last), u32(code)]));
export const rst = (id: number, code = 8) => frame(3, 0, id, u32(code));

export class Unreachable extends Error {}

/** A TLS connection to the port, speaking h2; resolves once the handshake is done. */
export function dialTls(hub: string, alpn: string[] | null = ["h2"]): Promise<tls.TLSSocket> {
  const [host, port] = splitAddr(hub);
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host,
      port,
      servername: HUB_TLS_NAME,
      rejectUnauthorized: false,
      minVersion: "TLSv1.3",
      ...(alpn ? { ALPNProtocols: alpn } : {}),
    });
    s.once("secureConnect", () => resolve(s));
    s.once("error", (e: NodeJS.ErrnoException) => {
      reject(e.code === "ECONNREFUSED" ? new Unreachable(e.message) : e);
    });
  });
}

export function dialTcp(hub: string): Promise<net.Socket> {
  const [host, port] = splitAddr(hub);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.once("connect", () => resolve(s));
    s.once("error", (e: NodeJS.ErrnoException) => {
      reject(e.code === "ECONNREFUSED" ? new Unreachable(e.message) : e);
    });
  });
}

export function splitAddr(addr: string): [string, number] {
  const i = addr.lastIndexOf(":");
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when the socket closes, or after `ms` (then destroys it). */
export function closed(s: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    const t = setTimeout(() => (s.destroy(), resolve()), ms);
    s.once("close", () => (clearTimeout(t), resolve()));
    s.on("error", () => {});
    s.resume();
  });
}

export async function h2(hub: string, settings: [number, number][] = []): Promise<tls.TLSSocket> {
  const s = await dialTls(hub);
  s.on("error", () => {});
  s.write(Buffer.concat([PREFACE, SETTINGS(settings)]));
  return s;
}

/** Reads frames and answers each PING, as any live HTTP/2 client does. */
export function answerPings(s: net.Socket): void {
  let buf = Buffer.alloc(0);
  s.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 9) {
      const len = buf.readUIntBE(0, 3);
      if (buf.length < 9 + len) break;
      if (buf[3] === 6 && !(buf[4] & 1)) s.write(frame(6, 1, 0, buf.subarray(9, 9 + len)));
      buf = buf.subarray(9 + len);
    }
  });
}
