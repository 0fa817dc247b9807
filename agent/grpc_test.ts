/**
 * The agent's gRPC client against real TLS HTTP/2 servers on loopback that
 * answer the way a hub, a broken hub or an impostor would.
 */
import http2 from "node:http2";
import { Buffer } from "node:buffer";
import { generateHubTls, type HubTls } from "../hub/auth/ca.ts";
import { HUB_TLS_NAME } from "../lib/link.ts";
import { assert, assertEquals } from "../lib/assert.ts";
import { Channel, GrpcError, Status } from "./grpc.ts";

const TLS = await generateHubTls();

function frame(msg: Uint8Array | string): Buffer {
  const body = typeof msg === "string" ? Buffer.from(msg) : Buffer.from(msg);
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

/** Serves every stream with `handler` over TLS 1.3 on a loopback port. */
async function serve(
  handler: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
  tls: HubTls = TLS,
): Promise<{ target: string; close(): Promise<void> }> {
  const server = http2.createSecureServer({
    key: tls.keyPem,
    cert: tls.certPem,
    minVersion: "TLSv1.3",
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  server.on("stream", handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    target: `127.0.0.1:${port}`,
    close: async () => {
      for (const s of sessions) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Answers with `chunks` as the body, then `trailers`. */
function answer(chunks: Buffer[], trailers: Record<string, string>) {
  return (stream: http2.ServerHttp2Stream) => {
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, {
      waitForTrailers: true,
    });
    stream.on("wantTrailers", () => stream.sendTrailers(trailers));
    for (const c of chunks) stream.write(c);
    stream.end();
  };
}

/** The error a call failed with; fails the test if it succeeded. */
async function failure(p: Promise<unknown>): Promise<GrpcError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GrpcError) return err;
    throw err;
  }
  throw new Error("the call succeeded");
}

function channel(target: string, caPem = TLS.caPem): Channel {
  return new Channel(target, { serverName: HUB_TLS_NAME, caPem, maxMessageBytes: 1024 });
}

async function withServer(
  handler: Parameters<typeof serve>[0],
  fn: (target: string) => Promise<void>,
  tls?: HubTls,
): Promise<void> {
  const server = await serve(handler, tls);
  try {
    await fn(server.target);
  } finally {
    await server.close();
  }
}

Deno.test("messages split across chunks, or several to a chunk, arrive whole and in order", async () => {
  const wire = Buffer.concat([frame("first"), frame("second message"), frame("")]);
  const chunks = [wire.subarray(0, 3), wire.subarray(3, 12), wire.subarray(12)];
  await withServer(answer(chunks, { "grpc-status": "0" }), async (target) => {
    const ch = channel(target);
    try {
      const got: string[] = [];
      const call = ch.stream("/s/M", {}, (m) => got.push(new TextDecoder().decode(m)));
      call.end();
      await call.status;
      assertEquals(got, ["first", "second message", ""]);
    } finally {
      ch.close();
    }
  });
});

Deno.test("a call ends with the hub's status and its percent-encoded message", async () => {
  const refuse = answer([], { "grpc-status": "16", "grpc-message": "Host%20was%20removed" });
  await withServer(refuse, async (target) => {
    const ch = channel(target);
    try {
      const call = ch.stream("/s/M", {}, () => {});
      const err = await failure(call.status);
      assertEquals([err.code, err.message], [Status.UNAUTHENTICATED, "Host was removed"]);
    } finally {
      ch.close();
    }
  });
  // A trailers-only answer carries its status in the headers.
  const trailersOnly = (stream: http2.ServerHttp2Stream) =>
    stream.respond({ ":status": 200, "grpc-status": "3", "grpc-message": "bad%3A input" }, {
      endStream: true,
    });
  await withServer(trailersOnly, async (target) => {
    const ch = channel(target);
    try {
      const err = await failure(ch.unary("/s/M", new Uint8Array(), 5000));
      assertEquals([err.code, err.message], [Status.INVALID_ARGUMENT, "bad: input"]);
    } finally {
      ch.close();
    }
  });
});

Deno.test("a message over the limit ends the call with RESOURCE_EXHAUSTED", async () => {
  let received = 0;
  await withServer(answer([frame(new Uint8Array(2000))], { "grpc-status": "0" }), async (t) => {
    const ch = channel(t);
    try {
      const call = ch.stream("/s/M", {}, () => received++);
      const err = await failure(call.status);
      assertEquals(err.code, Status.RESOURCE_EXHAUSTED);
      assertEquals(received, 0);
    } finally {
      ch.close();
    }
  });
});

Deno.test("a unary call sends one framed request and returns the one answer", async () => {
  const echo = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    const parts: Buffer[] = [];
    stream.on("data", (c: Buffer) => parts.push(c));
    stream.on("end", () => {
      const body = Buffer.concat(parts);
      assertEquals(headers["content-type"], "application/grpc+proto");
      assertEquals(headers[":authority"], HUB_TLS_NAME);
      answer([frame(`${headers[":path"]} got ${body.readUInt32BE(1)}`)], { "grpc-status": "0" })(
        stream,
      );
    });
  };
  await withServer(echo, async (target) => {
    const ch = channel(target);
    try {
      const res = await ch.unary("/s/Register", new Uint8Array(7), 5000);
      assertEquals(new TextDecoder().decode(res), "/s/Register got 7");
    } finally {
      ch.close();
    }
  });
});

Deno.test("a hub that never answers fails a unary call at its deadline", async () => {
  await withServer(() => {}, async (target) => {
    const ch = channel(target);
    try {
      const err = await failure(ch.unary("/s/M", new Uint8Array(), 300));
      assertEquals(err.code, Status.DEADLINE_EXCEEDED);
    } finally {
      ch.close();
    }
  });
});

Deno.test("a server whose certificate is not from the pinned CA is refused", async () => {
  const impostor = await generateHubTls();
  let served = 0;
  await withServer(() => served++, async (target) => {
    const ch = channel(target, TLS.caPem);
    try {
      const call = ch.stream("/s/M", {}, () => {});
      const err = await failure(call.status);
      assertEquals(err.code, Status.UNAVAILABLE);
      assert(/certificate|UnknownIssuer/i.test(err.message), err.message);
      assertEquals(served, 0);
    } finally {
      ch.close();
    }
  }, impostor);
});

Deno.test("a connection whose pings go unanswered is dropped", async () => {
  // TLS completes, then the "hub" goes silent: no HTTP/2 frame ever comes back.
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: TLS.certPem,
    key: TLS.keyPem,
    alpnProtocols: ["h2"],
  });
  const conns: Deno.TlsConn[] = [];
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      conn.readable.pipeTo(new WritableStream()).catch(() => {});
    }
  })();
  const ch = new Channel(`127.0.0.1:${listener.addr.port}`, {
    serverName: HUB_TLS_NAME,
    caPem: TLS.caPem,
    keepaliveMs: 200,
    keepaliveTimeoutMs: 300,
  });
  try {
    const call = ch.stream("/s/M", {}, () => {});
    const err = await failure(call.status);
    assertEquals(err.code, Status.UNAVAILABLE);
    assert(/ping/.test(err.message), err.message);
  } finally {
    ch.close();
    listener.close();
    for (const c of conns) c.close();
  }
});
