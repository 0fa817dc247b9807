/**
 * The HTTP/2 server against a hand-driven client on loopback: the abuse a
 * public port sees ends one connection, never the server, and the protocol
 * rules a real client relies on hold.
 */
import net from "node:net";
import { Buffer } from "node:buffer";
import { assert, assertEquals } from "../assert.ts";
import { DEFAULT_LIMITS, type H2Limits, H2Server, type H2Stream } from "./server.ts";
import { HpackDecoder, HpackEncoder } from "./hpack.ts";
import { ErrorCode, Flag, FrameType, PREFACE } from "./frames.ts";

interface Frame {
  type: number;
  flags: number;
  id: number;
  payload: Buffer;
}

/** A server answering every stream with "ok" (after reading its body), plus the `limits` given. */
async function serve(limits: Partial<H2Limits> = {}, onStream?: (s: H2Stream) => void) {
  const h2 = new H2Server(
    onStream ?? ((s) => {
      s.onData = (c) => s.consume(c.length);
      s.onEnd = () => {
        s.respond([[":status", "200"]]);
        s.write(new TextEncoder().encode("ok"));
        s.end([["x-done", "1"]]);
      };
    }),
    { ...DEFAULT_LIMITS, ...limits },
  );
  const server = net.createServer((s) => {
    s.on("error", () => {});
    h2.serve(s, "test");
  });
  const port = await new Promise<number>((r) =>
    server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port))
  );
  return {
    port,
    h2,
    async close() {
      server.close();
      await h2.close(200);
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
}

function frame(type: number, flags: number, id: number, payload: Uint8Array = new Uint8Array()) {
  const out = Buffer.alloc(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(id, 5);
  out.set(payload, 9);
  return out;
}

/** A raw client: writes bytes, parses every frame the server sends. */
class Raw {
  frames: Frame[] = [];
  text = "";
  closed: Promise<void>;
  #buf = Buffer.alloc(0);
  #wake = () => {};
  encoder = new HpackEncoder();
  decoder = new HpackDecoder();

  constructor(readonly socket: net.Socket) {
    socket.on("error", () => {});
    socket.on("data", (c: Buffer) => {
      this.text += c.toString("latin1");
      this.#buf = Buffer.concat([this.#buf, c]);
      while (this.#buf.length >= 9) {
        const len = this.#buf.readUIntBE(0, 3);
        if (this.#buf.length < 9 + len) break;
        this.frames.push({
          type: this.#buf[3],
          flags: this.#buf[4],
          id: this.#buf.readUInt32BE(5) & 0x7fffffff,
          payload: this.#buf.subarray(9, 9 + len),
        });
        this.#buf = this.#buf.subarray(9 + len);
      }
      this.#wake();
    });
    this.closed = new Promise((r) => socket.on("close", () => (this.#wake(), r())));
  }

  static async open(port: number, preface = true, settings: Buffer = frame(4, 0, 0)) {
    const s = net.connect({ host: "127.0.0.1", port });
    await new Promise((r) => s.once("connect", r));
    const raw = new Raw(s);
    if (preface) s.write(Buffer.concat([PREFACE, settings]));
    return raw;
  }

  request(id: number, path = "/x", endStream = true): Buffer {
    const block = this.encoder.encode([
      [":method", "POST"],
      [":scheme", "http"],
      [":path", path],
      [":authority", "t"],
    ]);
    return frame(
      FrameType.HEADERS,
      Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0),
      id,
      block,
    );
  }

  async waitFor(what: string, pred: (f: Frame) => boolean, ms = 5000): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.frames.find(pred);
      if (f) return f;
      if (this.socket.destroyed || Date.now() > deadline) throw new Error(`no ${what}`);
      await new Promise<void>((r) => {
        this.#wake = r;
        setTimeout(r, 50);
      });
    }
  }

  goaway(): Frame | undefined {
    return this.frames.find((f) => f.type === FrameType.GOAWAY);
  }
}

const goawayCode = (f: Frame) => f.payload.readUInt32BE(4);

Deno.test("the rapid-reset attack ends that connection with ENHANCE_YOUR_CALM; the next client is served", async () => {
  await using srv = await serve();
  const raw = await Raw.open(srv.port);
  const chunks: Buffer[] = [];
  for (let id = 1; id < 6000; id += 2) {
    chunks.push(
      raw.request(id, "/x", false),
      frame(FrameType.RST_STREAM, 0, id, Buffer.from([0, 0, 0, 8])),
    );
  }
  raw.socket.write(Buffer.concat(chunks));
  const g = await raw.waitFor("GOAWAY", (f) => f.type === FrameType.GOAWAY);
  assertEquals(goawayCode(g), ErrorCode.ENHANCE_YOUR_CALM);
  await raw.closed;

  const next = await Raw.open(srv.port);
  next.socket.write(next.request(1));
  await next.waitFor("a response", (f) => f.type === FrameType.DATA && f.id === 1);
  next.socket.destroy();
});

Deno.test("a header block split over CONTINUATION frames is served; an endless one is cut off", async () => {
  await using srv = await serve();
  const raw = await Raw.open(srv.port);
  const block = raw.encoder.encode([
    [":method", "POST"],
    [":scheme", "http"],
    [":path", "/split"],
    ["x-long", "v".repeat(3000)],
  ]);
  raw.socket.write(Buffer.concat([
    frame(FrameType.HEADERS, Flag.END_STREAM, 1, block.subarray(0, 10)),
    frame(FrameType.CONTINUATION, 0, 1, block.subarray(10, 1000)),
    frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block.subarray(1000)),
  ]));
  await raw.waitFor("the response", (f) => f.type === FrameType.DATA && f.id === 1);

  const flood = await Raw.open(srv.port);
  const parts = [frame(FrameType.HEADERS, 0, 1, flood.encoder.encode([[":method", "POST"]]))];
  for (let i = 0; i < 200; i++) {
    parts.push(frame(FrameType.CONTINUATION, 0, 1, Buffer.alloc(1000, 0x40)));
  }
  flood.socket.write(Buffer.concat(parts));
  const g = await flood.waitFor("GOAWAY", (f) => f.type === FrameType.GOAWAY);
  assertEquals(goawayCode(g), ErrorCode.ENHANCE_YOUR_CALM);
  raw.socket.destroy();
});

Deno.test("a peer that never reads what it asks for is dropped", async () => {
  await using srv = await serve({
    maxUnreadBytes: 64 * 1024,
    controlBurst: 1e9,
    controlPerSecond: 1e9,
  });
  const raw = await Raw.open(srv.port);
  raw.socket.pause(); // never reads again
  const ping = frame(FrameType.PING, 0, 0, Buffer.alloc(8));
  // Every ping asks for an answer; the answers pile up unread.
  const burst = Buffer.concat(Array.from({ length: 5000 }, () => ping));
  const deadline = Date.now() + 10_000;
  while (!raw.socket.destroyed && Date.now() < deadline) {
    if (!raw.socket.write(burst)) await new Promise((r) => setTimeout(r, 10));
    if (srv.h2.connectionCount === 0) break;
  }
  assertEquals(srv.h2.connectionCount, 0);
  raw.socket.destroy();
});

Deno.test("data waits for the client's window and is sent once it opens", async () => {
  await using srv = await serve();
  // INITIAL_WINDOW_SIZE 0: the server may send headers but no data.
  const raw = await Raw.open(srv.port, true, frame(4, 0, 0, Buffer.from([0, 4, 0, 0, 0, 0])));
  raw.socket.write(raw.request(1));
  await raw.waitFor("headers", (f) => f.type === FrameType.HEADERS && f.id === 1);
  await new Promise((r) => setTimeout(r, 200));
  assert(!raw.frames.some((f) => f.type === FrameType.DATA), "no data before the window opens");
  raw.socket.write(frame(FrameType.WINDOW_UPDATE, 0, 1, Buffer.from([0, 0, 0, 100])));
  const data = await raw.waitFor("data", (f) => f.type === FrameType.DATA && f.id === 1);
  assertEquals(data.payload.toString(), "ok");
  raw.socket.destroy();
});

Deno.test("after a client's GOAWAY its open stream is still answered, then the server hangs up", async () => {
  let release = () => {};
  await using srv = await serve({}, (s) => {
    s.onEnd = () => {
      release = () => {
        s.respond([[":status", "200"]]);
        s.end();
      };
    };
  });
  const raw = await Raw.open(srv.port);
  raw.socket.write(raw.request(1));
  raw.socket.write(frame(FrameType.GOAWAY, 0, 0, Buffer.alloc(8)));
  await new Promise((r) => setTimeout(r, 100));
  release();
  await raw.waitFor("the answer", (f) => f.type === FrameType.HEADERS && f.id === 1);
  await raw.closed;
});

Deno.test("HTTP/1.1 on the port gets a plain-text 505; random bytes get GOAWAY PROTOCOL_ERROR", async () => {
  await using srv = await serve();
  const http1 = await Raw.open(srv.port, false);
  http1.socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await http1.closed;
  assert(http1.text.startsWith("HTTP/1.1 505 "), http1.text.slice(0, 40));
  assert(http1.text.includes("gRPC over HTTP/2"), "says what the port is for");

  const junk = await Raw.open(srv.port, false);
  junk.socket.write(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  await junk.closed;
  assertEquals(goawayCode(junk.goaway()!), ErrorCode.PROTOCOL_ERROR);
});

Deno.test("a connection that never sends the preface is closed at the deadline", async () => {
  await using srv = await serve({ prefaceTimeoutMs: 100 });
  const raw = await Raw.open(srv.port, false);
  // The server's housekeeping runs every 2 s; the connection goes at the first run after 100 ms.
  await raw.closed;
  assertEquals(srv.h2.connectionCount, 0);
});

Deno.test("a malformed request is refused with RST_STREAM and the connection goes on", async () => {
  await using srv = await serve();
  const raw = await Raw.open(srv.port);
  const bad = raw.encoder.encode([[":method", "POST"], ["x", "1"], [":path", "/"]]);
  raw.socket.write(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, bad));
  const r = await raw.waitFor("RST_STREAM", (f) => f.type === FrameType.RST_STREAM && f.id === 1);
  assertEquals(r.payload.readUInt32BE(0), ErrorCode.PROTOCOL_ERROR);
  raw.socket.write(raw.request(3));
  await raw.waitFor(
    "an answer on the next stream",
    (f) => f.type === FrameType.DATA && f.id === 3,
  );
  assertEquals(raw.goaway(), undefined);
  raw.socket.destroy();
});
