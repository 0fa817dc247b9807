/**
 * The HTTP(S) check: one request (redirects followed when asked), judged on
 * its status and, optionally, a keyword in the body or a value at a JSON path.
 *
 * node:http/node:https rather than fetch: fetch says nothing of its phases,
 * and this check reports DNS, connect, TLS and first-byte times. Those come
 * from a timed `lookup` and the socket's own events; the HTTP/1.1 framing
 * (chunked bodies, keep-alive) stays node's, not hand-written here.
 */
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import type { HttpCheck } from "../../proto/gen/sightline/agent/v1/agent_lean.ts";
import { jsonPathText } from "./json_path.ts";
import { deadline, type ProbeOptions, type ProbeResult, reason, stopwatch } from "./types.ts";

/** Bodies are read up to this for the keyword and JSON conditions. */
const MAX_BODY = 1 << 20;
const MAX_REDIRECTS = 5;
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]);

interface Reply {
  status: number;
  statusText: string;
  location?: string;
  body: string;
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  firstByteMs: number;
}

export async function probeHttp(spec: HttpCheck, opts: ProbeOptions): Promise<ProbeResult> {
  const elapsed = stopwatch();
  const signal = deadline(opts);
  const method = (spec.method || "GET").toUpperCase();
  if (!METHODS.has(method)) return { ok: false, ms: 0, message: `method ${method} not allowed` };
  let url: URL;
  try {
    url = new URL(spec.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
  } catch {
    return { ok: false, ms: 0, message: "not an http(s) URL" };
  }
  let reply: Reply;
  // The check's own headers (a token, a cookie) go to the origin it names only, as browsers
  // and curl do: a redirect to another origin, or from https down to http, gets none.
  const origin = url.origin;
  try {
    for (let hop = 0;; hop++) {
      const own = url.origin === origin;
      reply = await request(
        url,
        method,
        own ? spec : { ...spec, headers: [] },
        opts,
        elapsed,
        signal,
      );
      const redirect = reply.status >= 300 && reply.status < 400 && reply.location;
      if (!spec.followRedirects || !redirect) break;
      if (hop === MAX_REDIRECTS) {
        return { ok: false, ms: elapsed(), message: `more than ${MAX_REDIRECTS} redirects` };
      }
      url = new URL(reply.location!, url);
    }
  } catch (err) {
    return { ok: false, ms: elapsed(), message: signal.aborted ? "timed out" : reason(err) };
  }
  const ms = elapsed();
  const timings = {
    dnsMs: reply.dnsMs,
    connectMs: reply.connectMs,
    tlsMs: reply.tlsMs,
    firstByteMs: reply.firstByteMs,
    totalMs: ms,
  };
  const status = `${reply.status} ${reply.statusText}`.trim();
  const statusOk = spec.expectStatus
    ? reply.status === spec.expectStatus
    : reply.status >= 200 && reply.status < 300;
  const fail = (message: string): ProbeResult => ({ ok: false, ms, message, timings });
  if (!statusOk) {
    return fail(`status ${status}, expected ${spec.expectStatus || "2xx"}`);
  }
  if (spec.keyword && !reply.body.includes(spec.keyword)) {
    return fail(`keyword "${spec.keyword}" not in the body`);
  }
  if (spec.jsonPath) {
    let doc: unknown;
    try {
      doc = JSON.parse(reply.body);
    } catch {
      return fail("body is not JSON");
    }
    const found = jsonPathText(doc, spec.jsonPath);
    if (found === undefined) return fail(`${spec.jsonPath} not found`);
    if (spec.jsonEquals && found !== spec.jsonEquals) {
      return fail(
        `${spec.jsonPath} is ${JSON.stringify(found.slice(0, 100))}, expected ` +
          JSON.stringify(spec.jsonEquals),
      );
    }
  }
  return { ok: true, ms, message: status, timings };
}

function request(
  url: URL,
  method: string,
  spec: HttpCheck,
  opts: ProbeOptions,
  elapsed: () => number,
  signal: AbortSignal,
): Promise<Reply> {
  const marks = { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0 };
  const secure = url.protocol === "https:";
  const headers: Record<string, string> = { "user-agent": "sightline-agent", connection: "close" };
  for (const h of spec.headers) if (h.name) headers[h.name.toLowerCase()] = h.value;
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      method,
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port || (secure ? 443 : 80),
      path: url.pathname + url.search,
      headers,
      signal,
      agent: false,
      lookup: ((host: string, o: dns.LookupOptions, cb: (...a: unknown[]) => void) =>
        dns.lookup(host, o, (...a: unknown[]) => {
          marks.dnsMs = elapsed();
          cb(...a);
        })) as never,
    };
    if (secure && opts.caCerts?.length) {
      options.ca = [...tls.rootCertificates, ...opts.caCerts];
    }
    const req = (secure ? https : http).request(options, (res) => {
      marks.firstByteMs = elapsed();
      const chunks: Uint8Array[] = [];
      let size = 0;
      res.on("data", (c: Uint8Array) => {
        if (size < MAX_BODY) {
          chunks.push(c);
        }
        size += c.length;
      });
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? "",
          location: res.headers.location,
          body: new TextDecoder().decode(concat(chunks).subarray(0, MAX_BODY)),
          ...marks,
        }));
    });
    req.on("socket", (s) => {
      s.once("connect", () =>
        marks.connectMs = elapsed());
      s.once("secureConnect", () => marks.tlsMs = elapsed());
    });
    req.on("error", reject);
    req.end();
  });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
