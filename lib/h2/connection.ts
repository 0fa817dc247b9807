/**
 * The server side of HTTP/2 (RFC 9113), in TypeScript, over any byte stream
 * (the ingest process gives it TLS sockets).
 *
 * Why by hand: Deno 2.9's `node:http2` server runs nghttp2 in native code,
 * and some client sequences (GOAWAY while streams close, resets during a
 * registration storm) abort the whole process on an nghttp2 assertion or a
 * SIGSEGV before any JavaScript runs (denoland/deno#36788, open). `Deno.serve`
 * speaks HTTP/2 but cannot send trailers, which gRPC needs for every status.
 * No maintained pure-JS HTTP/2 server exists on npm. Here every frame is
 * parsed by code that can only throw, and a throw ends one connection.
 *
 * Scope: what a gRPC server needs. Client-initiated streams only (no push),
 * flow control both ways, HPACK, CONTINUATION, PING, GOAWAY, SETTINGS; the
 * abuse guards of a public port: a budget for control frames (rapid reset,
 * ping and settings floods, empty frames), caps on header blocks and
 * concurrent streams, a preface deadline, keepalive pings, and a bound on
 * bytes a peer leaves unread.
 */
import type { Duplex } from "node:stream";
import { BACKLOG_HIGH_WATER, H2Stream } from "./stream.ts";
import { type HeaderList, HpackDecoder, HpackEncoder, HpackError } from "./hpack.ts";
import {
  ConnectionError,
  DEFAULT_MAX_FRAME,
  DEFAULT_WINDOW,
  ErrorCode,
  Flag,
  frame,
  FRAME_HEADER,
  FrameType,
  goawayFrame,
  headerFrames,
  MAX_WINDOW,
  PREFACE,
  Setting,
  settingsFrame,
  StreamError,
  u32Frame,
} from "./frames.ts";

/** Limits of one connection; every one is a defence as much as a setting. */
export interface H2Limits {
  /** Streams a client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  /** What a client may send on one stream before we read it. */
  streamWindow: number;
  /** What a client may send on the whole connection before we read it. */
  connectionWindow: number;
  /** Largest frame payload accepted (SETTINGS_MAX_FRAME_SIZE). */
  maxFrameSize: number;
  /** Largest decoded header list (SETTINGS_MAX_HEADER_LIST_SIZE). */
  maxHeaderListSize: number;
  /** Time to send the connection preface. */
  prefaceTimeoutMs: number;
  /** Silence after which the server pings, and how long the answer may take. */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** Bytes queued to a peer that does not read, before it is dropped. */
  maxUnreadBytes: number;
  /** Data waiting for one stream's flow-control window, before it is reset. */
  maxStreamBacklog: number;
  /** Control frames (PING, SETTINGS, RST_STREAM, PRIORITY, empty DATA, unknown) allowed in a burst, and per second after. */
  controlBurst: number;
  controlPerSecond: number;
}

export const DEFAULT_LIMITS: H2Limits = {
  maxConcurrentStreams: 100,
  streamWindow: 256 * 1024,
  connectionWindow: 1024 * 1024,
  maxFrameSize: DEFAULT_MAX_FRAME,
  maxHeaderListSize: 32 * 1024,
  prefaceTimeoutMs: 10_000,
  pingIntervalMs: 60_000,
  pingTimeoutMs: 20_000,
  maxUnreadBytes: 4 * 1024 * 1024,
  maxStreamBacklog: 1024 * 1024,
  controlBurst: 1000,
  controlPerSecond: 200,
};

const FORBIDDEN_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);
const REQUEST_PSEUDO = new Set([":method", ":scheme", ":path", ":authority"]);

/** One client connection. */
export class H2Connection {
  readonly peer: string;
  #socket: Duplex;
  #limits: H2Limits;
  #onStream: (s: H2Stream) => void;
  #onGone: (c: H2Connection) => void;
  #decoder: HpackDecoder;
  #encoder = new HpackEncoder();
  #streams = new Map<number, H2Stream>();
  #lastStreamId = 0;
  /** The start of a frame that the next chunk completes. */
  #rest: Uint8Array | null = null;
  #gotPreface = false;
  /** A header block still waiting for CONTINUATION frames. */
  #block: { id: number; flags: number; parts: Uint8Array[]; size: number } | null = null;
  #peerInitialWindow = DEFAULT_WINDOW;
  #peerMaxFrame = DEFAULT_MAX_FRAME;
  #sendWindow = DEFAULT_WINDOW;
  #recvUnacked = 0;
  #out: Uint8Array[] = [];
  #flushQueued = false;
  /** GOAWAY sent: no new streams; the connection ends when the last one does. */
  #goawaySent = false;
  #peerGoaway = false;
  #destroyed = false;
  #budget: number;
  #budgetAt = performance.now();
  readonly openedAt = Date.now();
  lastFrameAt = Date.now();
  #pingSentAt = 0;
  /** Since when bytes have waited unread by the peer, without a break. */
  #stalledSince = 0;

  constructor(
    socket: Duplex,
    peer: string,
    onStream: (s: H2Stream) => void,
    onGone: (c: H2Connection) => void,
    limits: H2Limits = DEFAULT_LIMITS,
  ) {
    this.#socket = socket;
    this.peer = peer;
    this.#limits = limits;
    this.#onStream = onStream;
    this.#onGone = onGone;
    this.#budget = limits.controlBurst;
    this.#decoder = new HpackDecoder({ maxHeaderListSize: limits.maxHeaderListSize });
    socket.on("data", (chunk: Uint8Array) => this.#guard(() => this.#receive(chunk)));
    socket.on("error", () => this.destroy());
    socket.on("close", () => this.destroy());
    socket.on("end", () => this.destroy());
  }

  /** The server's preface, sent once the client's has arrived (so an HTTP/1 client reads plain text). */
  #sendPreface(): void {
    const limits = this.#limits;
    this.#send(settingsFrame([
      [Setting.MAX_CONCURRENT_STREAMS, limits.maxConcurrentStreams],
      [Setting.INITIAL_WINDOW_SIZE, limits.streamWindow],
      [Setting.MAX_FRAME_SIZE, limits.maxFrameSize],
      [Setting.MAX_HEADER_LIST_SIZE, limits.maxHeaderListSize],
      [Setting.ENABLE_PUSH, 0],
    ]));
    if (limits.connectionWindow > DEFAULT_WINDOW) {
      this.#send(u32Frame(FrameType.WINDOW_UPDATE, 0, limits.connectionWindow - DEFAULT_WINDOW));
    }
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /**
   * Housekeeping the server runs every few seconds: the preface deadline,
   * keepalive pings, and peers that stopped reading.
   */
  tick(now: number): void {
    if (this.#destroyed) return;
    const l = this.#limits;
    if (!this.#gotPreface && now - this.openedAt > l.prefaceTimeoutMs) {
      return this.destroy();
    }
    if (this.#pingSentAt && now - this.#pingSentAt > l.pingTimeoutMs) return this.destroy();
    // A peer that keeps sending but never reads what we write.
    if (this.#socket.writableLength === 0) this.#stalledSince = 0;
    else if (!this.#stalledSince) this.#stalledSince = now;
    else if (now - this.#stalledSince > l.pingTimeoutMs) return this.destroy();
    if (!this.#pingSentAt && now - this.lastFrameAt > l.pingIntervalMs) {
      this.#pingSentAt = now;
      this.#send(frame(FrameType.PING, 0, 0, new Uint8Array(8)));
    }
  }

  /** Ends the connection politely: GOAWAY, then close once the streams are done. */
  shutdown(): void {
    if (this.#destroyed || this.#goawaySent) return;
    this.#goaway(ErrorCode.NO_ERROR, "");
    this.#closeIfIdle();
  }

  /** Drops the connection now; every open stream is told it was reset. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#socket.destroy();
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const s of streams) this.#closed(s, ErrorCode.CANCEL);
    this.#onGone(this);
  }

  // --- receiving -----------------------------------------------------------

  /** Runs `f`; a protocol error ends the connection with GOAWAY, any other throw too. */
  #guard(f: () => void): void {
    if (this.#destroyed) return;
    try {
      f();
    } catch (err) {
      const code = err instanceof ConnectionError ? err.code : ErrorCode.INTERNAL_ERROR;
      const message = err instanceof ConnectionError ? err.message : "internal error";
      this.#fail(code, message);
    }
  }

  #fail(code: number, message: string): void {
    if (this.#destroyed) return;
    if (!this.#goawaySent) this.#goaway(code, message);
    this.#flush();
    // Give the GOAWAY a moment to leave, then drop whatever the peer does.
    this.#socket.end();
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const s of streams) this.#closed(s, ErrorCode.CANCEL);
    setTimeout(() => this.destroy(), 1000);
  }

  #receive(chunk: Uint8Array): void {
    this.lastFrameAt = Date.now();
    // Frames are parsed straight from the chunk; only a frame cut across
    // chunks is kept, copied, so an idle connection holds no buffer (10,000
    // agents are 10,000 connections).
    let b = chunk;
    if (this.#rest) {
      b = new Uint8Array(this.#rest.length + chunk.length);
      b.set(this.#rest, 0);
      b.set(chunk, this.#rest.length);
      this.#rest = null;
    }
    let s = 0;
    if (!this.#gotPreface) {
      const n = Math.min(b.length, PREFACE.length);
      for (let i = 0; i < n; i++) if (b[i] !== PREFACE[i]) return this.#notHttp2(b);
      if (b.length < PREFACE.length) {
        this.#rest = b.slice();
        return;
      }
      s = PREFACE.length;
      this.#gotPreface = true;
      this.#sendPreface();
    }
    while (!this.#destroyed && !this.#goawayFailed()) {
      const have = b.length - s;
      if (have < FRAME_HEADER) break;
      const length = (b[s] << 16) | (b[s + 1] << 8) | b[s + 2];
      if (length > this.#limits.maxFrameSize) {
        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "frame larger than advertised");
      }
      if (have < FRAME_HEADER + length) break;
      const type = b[s + 3];
      const flags = b[s + 4];
      const id = ((b[s + 5] & 0x7f) << 24 | (b[s + 6] << 16) | (b[s + 7] << 8) | b[s + 8]) >>> 0;
      // Handlers copy what they keep: this view is only valid during the call.
      const payload = b.subarray(s + FRAME_HEADER, s + FRAME_HEADER + length);
      s += FRAME_HEADER + length;
      try {
        this.#frame(type, flags, id, payload);
      } catch (err) {
        if (!(err instanceof StreamError)) throw err;
        const stream = this.#streams.get(err.streamId);
        if (stream) this.resetStream(stream, err.code, true);
        else this.#send(u32Frame(FrameType.RST_STREAM, err.streamId, err.code));
      }
    }
    if (s < b.length && !this.#destroyed) this.#rest = b.slice(s);
  }

  /** After a connection error the rest of the input is not read. */
  #goawayFailed(): boolean {
    return this.#goawaySent && this.#socket.writableEnded;
  }

  /** Bytes that are not an HTTP/2 preface: say so to an HTTP/1 client, then hang up. */
  #notHttp2(bytes: Uint8Array): void {
    const head = new TextDecoder().decode(bytes.subarray(0, 8));
    if (/^[A-Z]{3,7} /.test(head)) {
      const body = "This port speaks gRPC over HTTP/2 for Sightline agents; " +
        "the dashboard is on the hub's HTTP port.\n";
      this.#socket.end(
        "HTTP/1.1 505 HTTP Version Not Supported\r\nConnection: close\r\n" +
          `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    } else {
      this.#socket.end(goawayFrame(0, ErrorCode.PROTOCOL_ERROR, "expected the HTTP/2 preface"));
    }
    this.#goawaySent = true;
    setTimeout(() => this.destroy(), 1000);
  }

  /** Spends one unit of the control-frame budget; a flood ends the connection. */
  #spend(): void {
    const now = performance.now();
    const l = this.#limits;
    this.#budget = Math.min(
      l.controlBurst,
      this.#budget + (now - this.#budgetAt) * l.controlPerSecond / 1000,
    );
    this.#budgetAt = now;
    if (--this.#budget < 0) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many control frames");
    }
  }

  #frame(type: number, flags: number, id: number, payload: Uint8Array): void {
    if (this.#block && type !== FrameType.CONTINUATION) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "expected CONTINUATION");
    }
    switch (type) {
      case FrameType.DATA:
        return this.#data(flags, id, payload);
      case FrameType.HEADERS:
        return this.#headers(flags, id, payload);
      case FrameType.PRIORITY:
        if (id === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
        this.#spend();
        if (payload.length !== 5) {
          throw new StreamError(id, ErrorCode.FRAME_SIZE_ERROR, "PRIORITY frame size");
        }
        return;
      case FrameType.RST_STREAM:
        return this.#rstStream(id, payload);
      case FrameType.SETTINGS:
        return this.#settings(flags, id, payload);
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a client cannot push");
      case FrameType.PING:
        return this.#ping(flags, id, payload);
      case FrameType.GOAWAY:
        if (id !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
        if (payload.length < 8) {
          throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY frame size");
        }
        this.#spend();
        this.#peerGoaway = true;
        return this.#closeIfIdle();
      case FrameType.WINDOW_UPDATE:
        return this.#windowUpdate(id, payload);
      case FrameType.CONTINUATION:
        return this.#continuation(flags, id, payload);
      default:
        this.#spend(); // unknown frame types are ignored (RFC 9113 §5.5), within the budget
    }
  }

  /** Strips padding; returns the content and the padding's length (counted for flow control). */
  #unpad(flags: number, payload: Uint8Array): Uint8Array {
    if (!(flags & Flag.PADDED)) return payload;
    if (payload.length < 1) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "padded frame");
    const pad = payload[0];
    if (pad >= payload.length) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "padding longer than the frame");
    }
    return payload.subarray(1, payload.length - pad);
  }

  #data(flags: number, id: number, payload: Uint8Array): void {
    if (id === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
    const data = this.#unpad(flags, payload);
    // The whole frame counts against the connection window, whatever the stream.
    this.#recvUnacked += payload.length;
    if (this.#recvUnacked > this.#limits.connectionWindow) {
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window exceeded");
    }
    this.#returnConnectionWindow();
    const stream = this.#streams.get(id);
    if (!stream) {
      if (id > this.#lastStreamId) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on an idle stream");
      }
      return; // a stream already closed or reset: ignored (RFC 9113 §5.4.2)
    }
    if (stream.state === "remoteClosed" || stream.state === "closed") {
      throw new StreamError(id, ErrorCode.STREAM_CLOSED, "DATA after END_STREAM");
    }
    stream.recvWindow -= payload.length;
    if (stream.recvWindow < 0) {
      throw new StreamError(id, ErrorCode.FLOW_CONTROL_ERROR, "stream window exceeded");
    }
    // Padding is never handed on: give its window back now.
    const padding = payload.length - data.length;
    if (padding) this.consume(stream, padding);
    if (data.length) {
      stream.onData(data.slice());
    } else if (!(flags & Flag.END_STREAM)) {
      this.#spend();
    }
    if (flags & Flag.END_STREAM) this.#remoteEnded(stream);
  }

  #returnConnectionWindow(): void {
    // Streams bound what they buffer, so the connection window comes back at once.
    if (this.#recvUnacked >= this.#limits.connectionWindow / 2) {
      this.#send(u32Frame(FrameType.WINDOW_UPDATE, 0, this.#recvUnacked));
      this.#recvUnacked = 0;
    }
  }

  #headers(flags: number, id: number, payload: Uint8Array): void {
    if (id === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0");
    let fragment = this.#unpad(flags, payload);
    if (flags & Flag.PRIORITY) {
      if (fragment.length < 5) {
        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS priority field");
      }
      fragment = fragment.subarray(5);
    }
    this.#block = { id, flags, parts: [fragment.slice()], size: fragment.length };
    if (flags & Flag.END_HEADERS) this.#endBlock();
  }

  #continuation(flags: number, id: number, payload: Uint8Array): void {
    const block = this.#block;
    if (!block || block.id !== id) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "unexpected CONTINUATION");
    }
    block.size += payload.length;
    block.parts.push(payload.slice());
    // A header block may not grow without end (the CONTINUATION flood).
    if (block.size > this.#limits.maxHeaderListSize || block.parts.length > 64) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "header block too large");
    }
    if (flags & Flag.END_HEADERS) this.#endBlock();
  }

  #endBlock(): void {
    const { id, flags, parts, size } = this.#block!;
    this.#block = null;
    let bytes = parts[0];
    if (parts.length > 1) {
      bytes = new Uint8Array(size);
      let o = 0;
      for (const p of parts) (bytes.set(p, o), o += p.length);
    }
    let headers: HeaderList;
    try {
      // Always decoded, even for a stream about to be refused: the table is shared.
      headers = this.#decoder.decode(bytes);
    } catch (err) {
      if (err instanceof HpackError) {
        throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, "bad header block");
      }
      throw err;
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    const existing = this.#streams.get(id);
    if (existing) {
      // Trailers: they must end the stream. Their content is not used.
      if (!endStream) {
        throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "trailers without END_STREAM");
      }
      if (existing.state !== "open") {
        throw new StreamError(id, ErrorCode.STREAM_CLOSED, "HEADERS after END_STREAM");
      }
      return this.#remoteEnded(existing);
    }
    if (id % 2 === 0 || id <= this.#lastStreamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "stream id not new or not a client's");
    }
    this.#lastStreamId = id;
    if (this.#goawaySent) return; // after GOAWAY new streams are ignored (RFC 9113 §6.8)
    if (this.#streams.size >= this.#limits.maxConcurrentStreams) {
      this.#spend();
      throw new StreamError(id, ErrorCode.REFUSED_STREAM, "too many streams");
    }
    const problem = checkRequestHeaders(headers);
    if (problem) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, problem);
    const stream = new H2Stream(
      this,
      id,
      headers,
      this.#peerInitialWindow,
      this.#limits.streamWindow,
    );
    this.#streams.set(id, stream);
    if (endStream) stream.state = "remoteClosed";
    try {
      this.#onStream(stream);
    } catch {
      this.resetStream(stream, ErrorCode.INTERNAL_ERROR, true);
      return;
    }
    if (endStream && !stream.closed) stream.onEnd();
  }

  #rstStream(id: number, payload: Uint8Array): void {
    if (payload.length !== 4) {
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM size");
    }
    if (id === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (id > this.#lastStreamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on an idle stream");
    }
    this.#spend(); // the rapid-reset attack is a flood of these
    const stream = this.#streams.get(id);
    if (!stream) return;
    const code = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
    this.resetStream(stream, code, false);
  }

  #settings(flags: number, id: number, payload: Uint8Array): void {
    if (id !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    if (flags & Flag.ACK) {
      if (payload.length) {
        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK size");
      }
      return;
    }
    if (payload.length % 6) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS size");
    this.#spend();
    const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
    for (let o = 0; o < payload.length; o += 6) {
      const key = view.getUint16(o);
      const value = view.getUint32(o + 2);
      switch (key) {
        case Setting.HEADER_TABLE_SIZE:
          this.#encoder.setMaxTableSize(value);
          break;
        case Setting.ENABLE_PUSH:
          if (value > 1) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "ENABLE_PUSH");
          break;
        case Setting.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW) {
            throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE");
          }
          const delta = value - this.#peerInitialWindow;
          this.#peerInitialWindow = value;
          for (const s of this.#streams.values()) {
            s.sendWindow += delta;
            if (s.sendWindow > MAX_WINDOW) {
              throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "window overflow");
            }
          }
          if (delta > 0) this.#flushAll();
          break;
        }
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME || value > 16_777_215) {
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "MAX_FRAME_SIZE");
          }
          this.#peerMaxFrame = value;
          break;
          // MAX_CONCURRENT_STREAMS limits pushes, which this server never makes;
          // MAX_HEADER_LIST_SIZE is advisory; unknown settings are ignored.
      }
    }
    this.#send(frame(FrameType.SETTINGS, Flag.ACK, 0));
  }

  #ping(flags: number, id: number, payload: Uint8Array): void {
    if (id !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
    if (payload.length !== 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PING size");
    if (flags & Flag.ACK) {
      this.#pingSentAt = 0;
      return;
    }
    this.#spend();
    this.#send(frame(FrameType.PING, Flag.ACK, 0, payload.slice()));
  }

  #windowUpdate(id: number, payload: Uint8Array): void {
    if (payload.length !== 4) {
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE size");
    }
    const inc = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0) & MAX_WINDOW;
    if (id === 0) {
      if (inc === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
      this.#sendWindow += inc;
      if (this.#sendWindow > MAX_WINDOW) {
        throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window overflow");
      }
      return this.#flushAll();
    }
    if (id > this.#lastStreamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE on an idle stream");
    }
    const stream = this.#streams.get(id);
    if (!stream) return;
    if (inc === 0) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
    stream.sendWindow += inc;
    if (stream.sendWindow > MAX_WINDOW) {
      throw new StreamError(id, ErrorCode.FLOW_CONTROL_ERROR, "stream window overflow");
    }
    this.#flushStream(stream);
  }

  #remoteEnded(stream: H2Stream): void {
    if (stream.state === "open") stream.state = "remoteClosed";
    stream.onEnd();
  }

  // --- sending -------------------------------------------------------------

  respond(stream: H2Stream, headers: HeaderList, end: boolean): void {
    if (stream.closed || stream.responded || this.#destroyed) return;
    stream.responded = true;
    const block = this.#encoder.encode(headers);
    for (const f of headerFrames(stream.id, block, end, this.#peerMaxFrame)) this.#send(f);
    if (end) this.#localEnded(stream);
  }

  writeData(stream: H2Stream, data: Uint8Array): void {
    if (stream.closed || stream.finish !== undefined || this.#destroyed) return;
    if (!stream.responded) this.respond(stream, [[":status", "200"]], false);
    stream.backlog.push(data);
    stream.backlogBytes += data.length;
    if (stream.backlogBytes > this.#limits.maxStreamBacklog) {
      // The client stopped reading this stream.
      return this.resetStream(stream, ErrorCode.ENHANCE_YOUR_CALM, true);
    }
    this.#flushStream(stream);
  }

  endStream(stream: H2Stream, trailers: HeaderList | null): void {
    if (stream.closed || stream.finish !== undefined || this.#destroyed) return;
    stream.finish = trailers;
    this.#flushStream(stream);
  }

  /** Closes a stream with RST_STREAM (`send`: ours to send; else the peer's). */
  resetStream(stream: H2Stream, code: number, send: boolean): void {
    if (stream.closed) return;
    if (send && !this.#destroyed) this.#send(u32Frame(FrameType.RST_STREAM, stream.id, code));
    this.#closed(stream, code);
  }

  consume(stream: H2Stream, n: number): void {
    if (stream.closed || stream.state === "remoteClosed" || this.#destroyed) return;
    stream.released += n;
    // Window updates in steps, not one per message.
    if (stream.released >= this.#limits.streamWindow / 4) {
      this.#send(u32Frame(FrameType.WINDOW_UPDATE, stream.id, stream.released));
      stream.recvWindow += stream.released;
      stream.released = 0;
    }
  }

  #flushAll(): void {
    for (const s of this.#streams.values()) {
      if (this.#sendWindow <= 0) break;
      if (s.backlogBytes || s.finish !== undefined) this.#flushStream(s);
    }
  }

  #flushStream(stream: H2Stream): void {
    if (stream.closed || this.#destroyed) return;
    while (stream.backlog.length) {
      const room = Math.min(stream.sendWindow, this.#sendWindow, this.#peerMaxFrame);
      if (room <= 0) return;
      const head = stream.backlog[0];
      const chunk = head.length <= room ? head : head.subarray(0, room);
      if (chunk === head) stream.backlog.shift();
      else stream.backlog[0] = head.subarray(room);
      stream.backlogBytes -= chunk.length;
      stream.sendWindow -= chunk.length;
      this.#sendWindow -= chunk.length;
      this.#send(frame(FrameType.DATA, 0, stream.id, chunk));
    }
    if (stream.waiting && stream.backlogBytes < BACKLOG_HIGH_WATER) {
      stream.waiting = false;
      try {
        stream.onDrain();
      } catch { /* a handler's bug ends nothing else */ }
    }
    if (stream.finish === undefined) return;
    if (!stream.responded) {
      // Nothing was sent: the trailers are the whole response (trailers-only).
      stream.responded = true;
      const block = this.#encoder.encode([[":status", "200"], ...(stream.finish ?? [])]);
      for (const f of headerFrames(stream.id, block, true, this.#peerMaxFrame)) this.#send(f);
    } else if (stream.finish) {
      const block = this.#encoder.encode(stream.finish);
      for (const f of headerFrames(stream.id, block, true, this.#peerMaxFrame)) this.#send(f);
    } else {
      this.#send(frame(FrameType.DATA, Flag.END_STREAM, stream.id));
    }
    this.#localEnded(stream);
  }

  #localEnded(stream: H2Stream): void {
    if (stream.state === "remoteClosed") return this.#closed(stream, null);
    // The response is complete while the client still sends: ask it to stop
    // without error (RFC 9113 §8.1), so the stream does not hold a slot.
    this.#send(u32Frame(FrameType.RST_STREAM, stream.id, ErrorCode.NO_ERROR));
    this.#closed(stream, null);
  }

  #closed(stream: H2Stream, reset: number | null): void {
    if (stream.state === "closed") return;
    stream.state = "closed";
    stream.backlog = [];
    stream.backlogBytes = 0;
    this.#streams.delete(stream.id);
    try {
      stream.onClose({ reset });
    } catch { /* a handler's bug ends nothing else */ }
    this.#closeIfIdle();
  }

  #closeIfIdle(): void {
    if (this.#destroyed || this.#socket.writableEnded) return; // already closing
    if ((this.#goawaySent || this.#peerGoaway) && this.#streams.size === 0) {
      this.#flush();
      this.#socket.end();
      setTimeout(() => this.destroy(), 1000);
    }
  }

  #goaway(code: number, debug: string): void {
    this.#goawaySent = true;
    this.#send(goawayFrame(this.#lastStreamId, code, debug));
  }

  #send(bytes: Uint8Array): void {
    if (this.#destroyed || this.#socket.writableEnded) return;
    this.#out.push(bytes);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Writes what is queued as one chunk. */
  #flush(): void {
    this.#flushQueued = false;
    if (!this.#out.length || this.#destroyed || this.#socket.writableEnded) return;
    let bytes = this.#out[0];
    if (this.#out.length > 1) {
      let n = 0;
      for (const b of this.#out) n += b.length;
      bytes = new Uint8Array(n);
      let o = 0;
      for (const b of this.#out) (bytes.set(b, o), o += b.length);
    }
    this.#out = [];
    this.#socket.write(bytes);
    if (this.#socket.writableLength > this.#limits.maxUnreadBytes) this.destroy();
  }
}

/** Why a request's headers are malformed (RFC 9113 §8.2, §8.3), or null. */
function checkRequestHeaders(headers: HeaderList): string | null {
  let regular = false;
  const seen = new Set<string>();
  for (const [name, value] of headers) {
    if (name.startsWith(":")) {
      if (regular) return "pseudo-header after a regular header";
      if (!REQUEST_PSEUDO.has(name)) return `unknown pseudo-header ${name}`;
      if (seen.has(name)) return `repeated ${name}`;
      seen.add(name);
      continue;
    }
    regular = true;
    if (name !== name.toLowerCase() || name === "") return "header name not lowercase";
    if (FORBIDDEN_HEADERS.has(name)) return `connection-specific header ${name}`;
    if (name === "te" && value !== "trailers") return "te other than trailers";
  }
  if (!seen.has(":method") || !seen.has(":path") || !seen.has(":scheme")) {
    return "missing :method, :scheme or :path";
  }
  return null;
}
