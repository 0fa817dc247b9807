/**
 * gRPC over HTTP/2 (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md),
 * server side, on the HTTP/2 server in lib/h2/: routing by path,
 * length-prefixed messages with a size limit, flow control that follows the
 * handler's reading, deadlines from `grpc-timeout`, and the status in
 * trailers (with `grpc-retry-pushback-ms` when the server asks a client to
 * come back later).
 *
 * Messages stay bytes here; the service (de)serialises them with protobuf-es.
 */
import type { H2Stream, HeaderList } from "../h2/server.ts";

import { Status, type StatusCode } from "./status.ts";

export { Status, type StatusCode };

/** A call's failure as the client sees it; the message never carries internals. */
export class GrpcError extends Error {
  constructor(
    readonly code: StatusCode,
    message: string,
    /** Sent as `grpc-retry-pushback-ms`: when the client may try again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** One call, as its handler sees it. */
export interface ServerCall {
  readonly method: string;
  readonly peer: string;
  /** The first value of a request metadata key (lowercase). */
  metadata(key: string): string | undefined;
  /** Aborted when the client goes away (reset, disconnect) or the deadline passes. */
  readonly signal: AbortSignal;
  /** True once a status was sent or the client went away. */
  readonly done: boolean;
  /**
   * The client's messages in order; ends when the client half-closes or goes
   * away; throws a GrpcError for a message over the limit or a framing error.
   * Reading slowly slows the client down (flow control).
   */
  messages(): AsyncGenerator<Uint8Array>;
  /** Sends one message; false when the client is behind (then await {@link drained}). */
  write(message: Uint8Array): boolean;
  /** Resolves once the client has caught up, or the call is over. */
  drained(): Promise<void>;
  /** Sends the status (OK without an error) and ends the call. */
  end(error?: GrpcError): void;
}

export type Handler = (call: ServerCall) => Promise<void>;

export interface GrpcServerOptions {
  /** Largest message accepted from a client. */
  maxMessageBytes: number;
  /** A handler threw something that is not a GrpcError (a bug): log it. */
  onInternalError?: (method: string, err: unknown) => void;
}

/** Queue length at which the call stops giving the client more window, and where it resumes. */
const PAUSE_AT = 16;
const RESUME_AT = 4;

/** Percent-encodes a status message as the gRPC spec asks. */
function encodeMessage(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25
      ? String.fromCharCode(byte)
      : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** `grpc-timeout` (e.g. "10S", "500m") in ms, or null when absent or malformed. */
function parseTimeout(value: string | undefined): number | null {
  const m = value ? /^(\d{1,8})([HMSmun])$/.exec(value) : null;
  if (!m) return null;
  const unitMs = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 }[m[2]]!;
  return Number(m[1]) * unitMs;
}

class Call implements ServerCall {
  readonly method: string;
  readonly peer: string;
  #stream: H2Stream;
  #abort = new AbortController();
  #done = false;
  #queue: Uint8Array[] = [];
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #held = 0;
  #ended = false;
  #error: GrpcError | null = null;
  #wake: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #drainWaiters = new Set<() => void>();

  constructor(stream: H2Stream, readonly maxMessageBytes: number) {
    this.#stream = stream;
    this.method = stream.header(":path") ?? "";
    this.peer = stream.conn.peer;
    stream.onData = (chunk) => this.#onData(chunk);
    stream.onEnd = () => {
      this.#ended = true;
      if (this.#pendingBytes) {
        this.#error ??= new GrpcError(Status.INTERNAL, "stream ended inside a message");
      }
      this.#wakeUp();
    };
    stream.onDrain = () => this.#wakeDrain();
    stream.onClose = ({ reset }) => {
      clearTimeout(this.#timer);
      this.#wakeDrain();
      if (!this.#done && reset !== null) {
        this.#done = true;
        this.#abort.abort(new GrpcError(Status.CANCELLED, "client cancelled the call"));
      }
      this.#ended = true;
      this.#wakeUp();
    };
    const timeout = parseTimeout(stream.header("grpc-timeout"));
    if (timeout !== null) {
      this.#timer = setTimeout(
        () => this.end(new GrpcError(Status.DEADLINE_EXCEEDED, "deadline exceeded")),
        Math.min(timeout, 2 ** 31 - 1),
      );
    }
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get done(): boolean {
    return this.#done;
  }

  metadata(key: string): string | undefined {
    return key.startsWith(":") ? undefined : this.#stream.header(key);
  }

  #wakeDrain(): void {
    for (const w of [...this.#drainWaiters]) w();
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  #onData(chunk: Uint8Array): void {
    if (this.#done || this.#error) return this.#stream.consume(chunk.length);
    // Bytes of a message still arriving are always taken (a message may be
    // larger than the window); only a queue of whole, unread messages holds
    // the window back.
    if (this.#queue.length >= PAUSE_AT) this.#held += chunk.length;
    else this.#stream.consume(chunk.length);
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    while (this.#pendingBytes >= 5) {
      const buf = this.#take(5, false);
      const flag = buf[0];
      const length = new DataView(buf.buffer, buf.byteOffset, 5).getUint32(1);
      if (flag !== 0) {
        this.#error = new GrpcError(
          flag === 1 ? Status.UNIMPLEMENTED : Status.INTERNAL,
          flag === 1 ? "compressed messages are not accepted" : "malformed message prefix",
        );
        break;
      }
      if (length > this.maxMessageBytes) {
        this.#error = new GrpcError(
          Status.RESOURCE_EXHAUSTED,
          `message of ${length} bytes is over the ${this.maxMessageBytes} byte limit`,
        );
        break;
      }
      if (this.#pendingBytes < 5 + length) break;
      this.#take(5, true);
      this.#queue.push(this.#take(length, true));
    }
    this.#wakeUp();
  }

  /** The first `n` pending bytes, removed from the pending chunks if `remove`. */
  #take(n: number, remove: boolean): Uint8Array {
    const first = this.#pending[0];
    let out: Uint8Array;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
      if (remove) {
        if (first.length === n) this.#pending.shift();
        else this.#pending[0] = first.subarray(n);
      }
    } else {
      out = new Uint8Array(n);
      let o = 0;
      let i = 0;
      while (o < n) {
        const c = this.#pending[i];
        const part = c.subarray(0, n - o);
        out.set(part, o);
        o += part.length;
        if (remove && part.length === c.length) this.#pending.splice(i, 1);
        else if (remove) this.#pending[i] = c.subarray(part.length);
        else i++;
      }
    }
    if (remove) this.#pendingBytes -= n;
    return out;
  }

  async *messages(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = this.#queue.shift();
      if (next) {
        if (this.#held && this.#queue.length < RESUME_AT) {
          this.#stream.consume(this.#held);
          this.#held = 0;
        }
        yield next;
        continue;
      }
      if (this.#error) throw this.#error;
      if (this.#ended || this.#done) return;
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  write(message: Uint8Array): boolean {
    if (this.#done) return true;
    if (!this.#stream.responded) this.#stream.respond(responseHeaders());
    const framed = new Uint8Array(5 + message.length);
    new DataView(framed.buffer).setUint32(1, message.length);
    framed.set(message, 5);
    return this.#stream.write(framed);
  }

  drained(): Promise<void> {
    if (this.#done || !this.#stream.waiting) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => (this.#drainWaiters.delete(done), resolve());
      this.#drainWaiters.add(done);
    });
  }

  end(error?: GrpcError): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#wakeDrain();
    const trailers: HeaderList = [["grpc-status", String(error?.code ?? Status.OK)]];
    if (error?.message) trailers.push(["grpc-message", encodeMessage(error.message)]);
    if (error?.retryAfterMs !== undefined) {
      trailers.push([
        "grpc-retry-pushback-ms",
        String(Math.max(0, Math.round(error.retryAfterMs))),
      ]);
    }
    if (!this.#stream.responded) {
      // Nothing sent yet: one HEADERS frame carries the whole answer (trailers-only).
      this.#stream.respond([...responseHeaders(), ...trailers], true);
    } else {
      this.#stream.end(trailers);
    }
    if (error) this.#abort.abort(error);
  }
}

function responseHeaders(): HeaderList {
  return [[":status", "200"], ["content-type", "application/grpc+proto"]];
}

/** Routes HTTP/2 streams to gRPC handlers. */
export class GrpcServer {
  #handlers = new Map<string, Handler>();

  constructor(private opts: GrpcServerOptions) {}

  /** A streaming method (client, server or bidi): the handler reads and writes the call. */
  handle(path: string, handler: Handler): void {
    this.#handlers.set(path, handler);
  }

  /** A unary method: exactly one request message, one response message. */
  unary(path: string, handler: (req: Uint8Array, call: ServerCall) => Promise<Uint8Array>): void {
    this.handle(path, async (call) => {
      let request: Uint8Array | null = null;
      for await (const m of call.messages()) {
        if (request) throw new GrpcError(Status.UNIMPLEMENTED, "expected one request message");
        request = m;
      }
      if (call.done) return;
      if (!request) throw new GrpcError(Status.UNIMPLEMENTED, "expected one request message");
      const response = await handler(request, call);
      call.write(response);
      call.end();
    });
  }

  /** The HTTP/2 server's stream callback. */
  onStream = (stream: H2Stream): void => {
    if (stream.header(":method") !== "POST") {
      stream.respond([[":status", "405"], ["allow", "POST"]], true);
      return;
    }
    if (!stream.header("content-type")?.startsWith("application/grpc")) {
      stream.respond([[":status", "415"]], true);
      return;
    }
    const call = new Call(stream, this.opts.maxMessageBytes);
    const handler = this.#handlers.get(call.method);
    if (!handler) {
      call.end(new GrpcError(Status.UNIMPLEMENTED, `unknown method ${call.method.slice(0, 100)}`));
      return;
    }
    handler(call).then(
      () => call.end(),
      (err) => {
        if (err instanceof GrpcError) return call.end(err);
        if (!call.done) this.opts.onInternalError?.(call.method, err);
        call.end(new GrpcError(Status.INTERNAL, "internal error"));
      },
    );
  };
}
