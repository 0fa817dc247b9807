/**
 * The agent's gRPC client: unary and bidirectional calls over one node:http2
 * session to the hub, TLS 1.3 with the hub's CA pinned, HTTP/2 keepalive
 * pings, and the gRPC message framing and status rules
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md).
 *
 * The agent does not use @grpc/grpc-js: it costs about 10 MB of resident
 * memory for the two calls the agent makes.
 */
import http2 from "node:http2";
import { Buffer } from "node:buffer";

export { Status } from "../lib/grpc/status.ts";
import { Status } from "../lib/grpc/status.ts";

/** A call that ended with a status other than OK. */
export class GrpcError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    /** The hub's `grpc-retry-pushback-ms`: come back no sooner than this. */
    readonly retryAfterMs?: number,
  ) {
    super(details);
  }
}

export interface ChannelOptions {
  /** The name the hub's certificate must carry, whatever address is dialled. */
  serverName: string;
  /** PEM of the one CA the hub's certificate must chain to; absent only for Register. */
  caPem?: string;
  /** How often to ping the hub (30 s), and how long to wait for its answer (10 s). */
  keepaliveMs?: number;
  keepaliveTimeoutMs?: number;
  /** Largest message accepted from the hub (4 MiB). */
  maxMessageBytes?: number;
  userAgent?: string;
}

/** Maps an HTTP status that is not 200 to a gRPC code, as the gRPC spec does. */
function fromHttpStatus(status: number): number {
  if (status === 400) return Status.INTERNAL;
  if (status === 401) return Status.UNAUTHENTICATED;
  if ([429, 502, 503, 504].includes(status)) return Status.UNAVAILABLE;
  return Status.UNKNOWN;
}

function decodeMessage(raw: string | string[] | undefined): string {
  const text = Array.isArray(raw) ? raw.join(",") : raw ?? "";
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** One call's stream: frames messages out, deframes them in, settles its status. */
export class Call {
  /** Settles when the call ends: resolves on OK, rejects with a {@link GrpcError}. */
  readonly status: Promise<void>;
  #stream: http2.ClientHttp2Stream;
  #settle!: (err: GrpcError | null) => void;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #settled = false;

  constructor(
    stream: http2.ClientHttp2Stream,
    onMessage: (msg: Uint8Array) => void,
    maxMessageBytes: number,
    /** Why the connection failed, if it did: the reason a status-less close gives. */
    connectionError: () => Error | null = () => null,
  ) {
    this.#stream = stream;
    this.status = new Promise<void>((resolve, reject) => {
      this.#settle = (err) => {
        if (this.#settled) return;
        this.#settled = true;
        if (err) reject(err);
        else resolve();
      };
    });
    this.status.catch(() => {}); // Callers await it when they need it.

    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | null = null;
    stream.on("response", (h) => (headers = h));
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", (chunk: Buffer) => {
      if (this.#settled) return; // What comes after a bad message is not read.
      try {
        for (const msg of this.#deframe(chunk, maxMessageBytes)) onMessage(msg);
      } catch (err) {
        const e = err instanceof GrpcError ? err : new GrpcError(Status.INTERNAL, String(err));
        this.#settle(e);
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    });
    // "The pending stream has been canceled (caused by: connect ECONNREFUSED …)":
    // the cause is what a user can act on.
    stream.on("error", (err: Error) => {
      const why = connectionError() ?? (err.cause instanceof Error ? err.cause : err);
      this.#settle(new GrpcError(Status.UNAVAILABLE, why.message));
    });
    // The call is over once the hub has sent its status, even though this
    // side may still be open: settle then, and half-close so the stream ends.
    const finish = () => {
      const end = trailers ?? headers; // A trailers-only answer has the status in its headers.
      const http = Number(headers[":status"] ?? 0);
      if (end["grpc-status"] !== undefined) {
        const code = Number(end["grpc-status"]);
        const details = decodeMessage(end["grpc-message"]);
        const pushback = Number(end["grpc-retry-pushback-ms"] ?? NaN);
        this.#settle(
          code === Status.OK ? null : new GrpcError(
            code,
            details || `status ${code}`,
            Number.isFinite(pushback) && pushback >= 0 ? pushback : undefined,
          ),
        );
      } else if (http && http !== 200) {
        this.#settle(new GrpcError(fromHttpStatus(http), `hub answered HTTP ${http}`));
      } else if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) {
        this.#settle(new GrpcError(Status.UNAVAILABLE, "hub refused the stream"));
      } else if (stream.rstCode === http2.constants.NGHTTP2_CANCEL) {
        this.#settle(new GrpcError(Status.CANCELLED, "call cancelled"));
      } else {
        const why = connectionError()?.message ?? "stream closed without a status";
        this.#settle(new GrpcError(Status.UNAVAILABLE, why));
      }
    };
    stream.on("end", () => {
      finish();
      if (!stream.closed && !stream.writableEnded) stream.end();
    });
    stream.on("close", finish);
  }

  /** Splits received bytes into messages; a message may span chunks. */
  *#deframe(chunk: Buffer, max: number): Generator<Uint8Array> {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    while (this.#pendingBytes >= 5) {
      const buf = this.#pending.length === 1 ? this.#pending[0] : Buffer.concat(this.#pending);
      const compressed = buf[0];
      const length = buf.readUInt32BE(1);
      if (compressed !== 0) {
        throw new GrpcError(Status.INTERNAL, "hub sent a compressed message, never asked for");
      }
      if (length > max) {
        throw new GrpcError(
          Status.RESOURCE_EXHAUSTED,
          `hub sent a message of ${length} bytes, over the ${max} byte limit`,
        );
      }
      if (buf.length < 5 + length) {
        this.#pending = [buf];
        return;
      }
      // Copy the message out so it does not keep the chunk alive.
      yield Uint8Array.prototype.slice.call(buf, 5, 5 + length);
      const rest = buf.subarray(5 + length);
      this.#pending = rest.length ? [rest] : [];
      this.#pendingBytes = rest.length;
    }
  }

  /** Sends one message; false when the caller should wait for {@link drained}. */
  write(msg: Uint8Array): boolean {
    const frame = Buffer.allocUnsafe(5 + msg.length);
    frame[0] = 0;
    frame.writeUInt32BE(msg.length, 1);
    frame.set(msg, 5);
    return this.#stream.write(frame);
  }

  /** Resolves once the stream can take more, or it has ended. */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#stream.off("drain", done);
        this.#stream.off("close", done);
        resolve();
      };
      this.#stream.on("drain", done);
      this.#stream.on("close", done);
    });
  }

  /** Half-closes: no more messages from this side; the hub ends the call. */
  end(): void {
    this.#stream.end();
  }

  /** Abandons the call (RST_STREAM CANCEL). */
  cancel(): void {
    this.#settle(new GrpcError(Status.CANCELLED, "call cancelled"));
    if (!this.#stream.closed) this.#stream.close(http2.constants.NGHTTP2_CANCEL);
  }
}

/** A connection to one hub, made on first use and again after it breaks. */
export class Channel {
  #session: http2.ClientHttp2Session | null = null;
  /** Why each session failed, for the calls it ends. */
  #errors = new WeakMap<http2.ClientHttp2Session, Error>();

  constructor(readonly target: string, private opts: ChannelOptions) {}

  #connect(): http2.ClientHttp2Session {
    if (this.#session && !this.#session.closed && !this.#session.destroyed) return this.#session;
    const { caPem, serverName } = this.opts;
    const session = http2.connect(`https://${this.target}`, {
      servername: serverName,
      minVersion: "TLSv1.3",
      ...(caPem ? { ca: caPem } : { rejectUnauthorized: false }),
    });
    // Streams open on the session end too; their status says why.
    session.on("error", (err: Error) => this.#errors.set(session, err));
    const keepalive = this.#keepalive(session);
    // After GOAWAY the calls still open may finish, but new ones need a new session.
    const detach = () => {
      if (this.#session === session) this.#session = null;
    };
    session.on("goaway", detach);
    session.on("close", () => {
      clearInterval(keepalive);
      detach();
    });
    this.#session = session;
    return session;
  }

  /** Pings the hub; a ping not answered in time means the link is dead. */
  #keepalive(session: http2.ClientHttp2Session): ReturnType<typeof setInterval> {
    const every = this.opts.keepaliveMs ?? 30_000;
    const timeout = this.opts.keepaliveTimeoutMs ?? 10_000;
    return setInterval(() => {
      if (session.destroyed || session.connecting) return;
      const timer = setTimeout(
        () => session.destroy(new Error(`hub did not answer a ping in ${timeout} ms`)),
        timeout,
      );
      try {
        session.ping(() => clearTimeout(timer));
      } catch {
        clearTimeout(timer);
      }
    }, every);
  }

  #call(
    method: string,
    metadata: Record<string, string>,
    onMessage: (msg: Uint8Array) => void,
    timeoutMs?: number,
  ): Call {
    const session = this.#connect();
    const stream = session.request({
      ":method": "POST",
      ":path": method,
      ":authority": this.opts.serverName,
      "content-type": "application/grpc+proto",
      "te": "trailers",
      "grpc-accept-encoding": "identity",
      ...(this.opts.userAgent ? { "user-agent": this.opts.userAgent } : {}),
      ...(timeoutMs ? { "grpc-timeout": `${Math.ceil(timeoutMs)}m` } : {}),
      ...metadata,
    });
    return new Call(
      stream,
      onMessage,
      this.opts.maxMessageBytes ?? 4 * 1024 * 1024,
      () => this.#errors.get(session) ?? null,
    );
  }

  /** Opens a bidirectional stream; messages from the hub go to `onMessage`. */
  stream(
    method: string,
    metadata: Record<string, string>,
    onMessage: (msg: Uint8Array) => void,
  ): Call {
    return this.#call(method, metadata, onMessage);
  }

  /** One request, one response, within `timeoutMs`. */
  async unary(method: string, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    let response: Uint8Array | null = null;
    const call = this.#call(method, {}, (msg) => (response ??= msg), timeoutMs);
    call.write(request);
    call.end();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new GrpcError(Status.DEADLINE_EXCEEDED, `no answer in ${timeoutMs} ms`));
        call.cancel();
      }, timeoutMs);
    });
    try {
      await Promise.race([call.status, deadline]);
    } finally {
      clearTimeout(timer);
    }
    if (!response) throw new GrpcError(Status.INTERNAL, "hub answered with no message");
    return response;
  }

  /**
   * Closes the connection politely (GOAWAY), gives calls still open a second
   * to end, then drops the socket.
   */
  async close(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    if (!session || session.destroyed) return;
    const closed = new Promise((r) => session.once("close", r));
    session.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    if (!session.destroyed) session.destroy();
  }
}
