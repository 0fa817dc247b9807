/**
 * The gRPC server on the TypeScript HTTP/2 server, over TLS on loopback,
 * driven by a standard client (grpc-js) and by the agent's own client.
 */
import tls from "node:tls";
import { Buffer } from "node:buffer";
import * as grpcjs from "@grpc/grpc-js";
import { assert, assertEquals } from "../assert.ts";
import { generateHubTls } from "../../hub/auth/ca.ts";
import { H2Server } from "../h2/server.ts";
import { GrpcError, GrpcServer, type ServerCall, Status } from "./server.ts";
import { Channel, GrpcError as ClientError } from "../../agent/grpc.ts";
import { HUB_TLS_NAME } from "../link.ts";

const pki = await generateHubTls();
const enc = new TextEncoder();
const dec = new TextDecoder();

async function serve(setup: (g: GrpcServer) => void, maxMessageBytes = 1024 * 1024) {
  const grpc = new GrpcServer({ maxMessageBytes });
  setup(grpc);
  const h2 = new H2Server(grpc.onStream);
  const server = tls.createServer({
    key: pki.keyPem,
    cert: pki.certPem,
    minVersion: "TLSv1.3",
    ALPNProtocols: ["h2"],
  });
  server.on("connection", (s) => s.setNoDelay(true));
  server.on("secureConnection", (s: tls.TLSSocket) => {
    s.on("error", () => {});
    h2.serve(s, `${s.remoteAddress}:${s.remotePort}`);
  });
  const port = await new Promise<number>((r) =>
    server.listen(0, "127.0.0.1", () => r((server.address() as { port: number }).port))
  );
  return {
    addr: `127.0.0.1:${port}`,
    async close() {
      server.close();
      await h2.close(500);
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
}

/** A grpc-js client of the test server, closed when it goes out of scope. */
function client(addr: string): grpcjs.Client & Disposable {
  const c = new grpcjs.Client(addr, grpcjs.credentials.createSsl(Buffer.from(pki.caPem)), {
    "grpc.ssl_target_name_override": HUB_TLS_NAME,
    "grpc.default_authority": HUB_TLS_NAME,
  });
  return Object.assign(c, { [Symbol.dispose]: () => c.close() });
}

const id = (b: Uint8Array) => Buffer.from(b);
const unary = (c: grpcjs.Client, path: string, body: Uint8Array, opts: grpcjs.CallOptions = {}) =>
  new Promise<{ err: grpcjs.ServiceError | null; res?: Buffer }>((resolve) =>
    c.makeUnaryRequest(path, id, id, body, opts, (err, res) => resolve({ err, res }))
  );

Deno.test("a standard gRPC client's unary call gets its answer, and errors keep their code and message", async () => {
  await using srv = await serve((g) => {
    g.unary("/t.S/Echo", (req) => Promise.resolve(enc.encode(`echo:${dec.decode(req)}`)));
    g.unary("/t.S/Fail", () => {
      throw new GrpcError(Status.PERMISSION_DENIED, "nicht erlaubt: 100% ✗");
    });
  });
  using c = client(srv.addr);
  const ok = await unary(c, "/t.S/Echo", enc.encode("hi"));
  assertEquals(ok.err, null);
  assertEquals(dec.decode(ok.res!), "echo:hi");
  const bad = await unary(c, "/t.S/Fail", enc.encode(""));
  assertEquals(bad.err?.code, Status.PERMISSION_DENIED);
  assertEquals(bad.err?.details, "nicht erlaubt: 100% ✗");
  const missing = await unary(c, "/t.S/Nope", enc.encode(""));
  assertEquals(missing.err?.code, Status.UNIMPLEMENTED);
});

Deno.test("a bidi stream carries thousands of messages both ways in order, past the flow-control windows", async () => {
  await using srv = await serve((g) =>
    g.handle("/t.S/Chat", async (call: ServerCall) => {
      for await (const m of call.messages()) {
        // A slow reader: the client must wait on flow control, not be dropped.
        if (m[3] % 50 === 0) await new Promise((r) => setTimeout(r, 1));
        if (!call.write(m)) await call.drained();
      }
    })
  );
  using c = client(srv.addr);
  const stream = c.makeBidiStreamRequest("/t.S/Chat", id, id);
  const got: number[] = [];
  const ended = new Promise<grpcjs.StatusObject>((r) => stream.on("status", r));
  stream.on("data", (b: Buffer) => got.push(b.readUInt32BE(0)));
  const N = 3000;
  for (let i = 0; i < N; i++) {
    const m = Buffer.alloc(1024);
    m.writeUInt32BE(i, 0);
    if (!stream.write(m)) await new Promise((r) => stream.once("drain", r));
  }
  stream.end();
  const status = await ended;
  assertEquals(status.code, Status.OK);
  assertEquals(got.length, N);
  assert(got.every((v, i) => v === i), "in order");
});

Deno.test("a message over the limit ends the call with RESOURCE_EXHAUSTED; the connection serves the next call", async () => {
  await using srv = await serve(
    (g) => g.unary("/t.S/Echo", (req) => Promise.resolve(req)),
    64 * 1024,
  );
  using c = client(srv.addr);
  const big = await unary(c, "/t.S/Echo", new Uint8Array(200 * 1024));
  assertEquals(big.err?.code, Status.RESOURCE_EXHAUSTED);
  const small = await unary(c, "/t.S/Echo", enc.encode("ok"));
  assertEquals(dec.decode(small.res!), "ok");
});

Deno.test("a client's deadline ends the call with DEADLINE_EXCEEDED and aborts the handler's signal", async () => {
  let aborted: () => void;
  const handlerSawAbort = new Promise<void>((r) => (aborted = r));
  await using srv = await serve((g) =>
    g.handle("/t.S/Slow", async (call) => {
      call.signal.addEventListener("abort", () => aborted());
      for await (const _ of call.messages()) { /* never answers */ }
      await new Promise((r) => setTimeout(r, 5000));
    })
  );
  using c = client(srv.addr);
  const res = await unary(c, "/t.S/Slow", enc.encode(""), { deadline: Date.now() + 300 });
  assertEquals(res.err?.code, Status.DEADLINE_EXCEEDED);
  await handlerSawAbort;
});

Deno.test("a client that cancels a stream aborts the handler's signal", async () => {
  let aborted: () => void;
  const sawAbort = new Promise<void>((r) => (aborted = r));
  let started: () => void;
  const running = new Promise<void>((r) => (started = r));
  await using srv = await serve((g) =>
    g.handle("/t.S/Chat", async (call) => {
      call.signal.addEventListener("abort", () => aborted());
      started();
      for await (const _ of call.messages()) { /* reads until the client goes */ }
    })
  );
  using c = client(srv.addr);
  const stream = c.makeBidiStreamRequest("/t.S/Chat", id, id);
  stream.on("error", () => {});
  stream.write(Buffer.from("x"));
  await running;
  stream.cancel();
  await sawAbort;
});

Deno.test("a refusal with a retry hint reaches the agent's client as retryAfterMs", async () => {
  await using srv = await serve((g) =>
    g.unary("/t.S/Busy", () => {
      throw new GrpcError(Status.UNAVAILABLE, "Hub is busy; retry later", 2500);
    })
  );
  const ch = new Channel(srv.addr, { serverName: HUB_TLS_NAME, caPem: pki.caPem });
  try {
    let err: unknown;
    try {
      await ch.unary("/t.S/Busy", enc.encode(""), 5000);
    } catch (e) {
      err = e;
    }
    assert(err instanceof ClientError, "refused");
    assertEquals(err.code, Status.UNAVAILABLE);
    assertEquals(err.retryAfterMs, 2500);
  } finally {
    await ch.close();
  }
});

/** Sends `body` as the raw request body of a call (framing included) and returns its grpc-status. */
async function rawCall(addr: string, path: string, body: Uint8Array): Promise<number | null> {
  const { default: http2 } = await import("node:http2");
  const session = http2.connect(`https://${addr}`, { ca: pki.caPem, servername: HUB_TLS_NAME });
  try {
    return await new Promise<number | null>((resolve, reject) => {
      const req = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc+proto",
        "te": "trailers",
      });
      let status: number | null = null;
      req.on(
        "response",
        (h) => h["grpc-status"] !== undefined && (status = Number(h["grpc-status"])),
      );
      req.on("trailers", (t) => (status = Number(t["grpc-status"])));
      req.on("data", () => {});
      req.on("close", () => resolve(status));
      req.on("error", reject);
      req.end(body);
    });
  } finally {
    await new Promise<void>((r) => session.close(() => r()));
  }
}

Deno.test("a compressed frame without grpc-encoding, and a message cut off at the end, are errors, never OK", async () => {
  let handled = 0;
  await using srv = await serve((g) =>
    g.unary("/t.S/Echo", (req) => {
      handled++;
      return Promise.resolve(req);
    })
  );
  const compressed = new Uint8Array([1, 0, 0, 0, 2, 0x08, 0x01]);
  assertEquals(await rawCall(srv.addr, "/t.S/Echo", compressed), Status.UNIMPLEMENTED);
  // The prefix says 10 bytes; only 3 come before the end of the stream.
  const truncated = new Uint8Array([0, 0, 0, 0, 10, 1, 2, 3]);
  assertEquals(await rawCall(srv.addr, "/t.S/Echo", truncated), Status.INTERNAL);
  // A well-framed call on the same server still works, and only it reached the handler.
  assertEquals(
    await rawCall(srv.addr, "/t.S/Echo", new Uint8Array([0, 0, 0, 0, 1, 7])),
    Status.OK,
  );
  assertEquals(handled, 1);
});
