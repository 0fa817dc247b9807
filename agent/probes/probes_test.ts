/**
 * Each executor against a real server the test starts on loopback: HTTP,
 * TLS, TCP, a DNS responder answering the test's records, and ping.
 */
import dgram from "node:dgram";
import { assert, assertEquals } from "../../lib/assert.ts";
import { probeDns } from "./dns.ts";
import { probeHttp } from "./http.ts";
import { jsonPathText } from "./json_path.ts";
import { NOT_PERMITTED, probePing } from "./ping.ts";
import { probeTcp } from "./tcp.ts";
import { makeCert } from "./test_certs.ts";
import { probeTls } from "./tls.ts";

const OPTS = { timeoutMs: 5000 };
const http = (over: Record<string, unknown>) => ({
  url: "",
  method: "",
  headers: [],
  expectStatus: 0,
  keyword: "",
  jsonPath: "",
  jsonEquals: "",
  followRedirects: false,
  ...over,
});

Deno.test("the HTTP check judges status, keyword and JSON path, follows redirects when asked, and times its phases", async () => {
  const seen: Headers[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen.push(req.headers);
    const path = new URL(req.url).pathname;
    if (path === "/ok") return new Response("all systems nominal");
    if (path === "/json") return Response.json({ db: { state: "ok", replicas: [3] } });
    if (path === "/moved") return new Response(null, { status: 302, headers: { location: "/ok" } });
    if (path === "/elsewhere") {
      // Another origin (an address, where the check names localhost), the same server.
      const to = `http://127.0.0.1:${new URL(req.url).port}/ok`;
      return new Response(null, { status: 302, headers: { location: to } });
    }
    return new Response("broken", { status: 503, statusText: "Service Unavailable" });
  });
  const base = `http://localhost:${server.addr.port}`;
  try {
    const ok = await probeHttp(
      http({ url: `${base}/ok`, keyword: "nominal", headers: [{ name: "X-Probe", value: "1" }] }),
      OPTS,
    );
    assertEquals([ok.ok, ok.message], [true, "200 OK"]);
    assertEquals(seen.at(-1)!.get("x-probe"), "1");
    const t = ok.timings!;
    // By name, so the lookup is timed; each phase ends after the one before.
    assert(t.dnsMs > 0 && t.connectMs >= t.dnsMs && t.firstByteMs >= t.connectMs, `${t}`);
    assert(t.totalMs >= t.firstByteMs && t.tlsMs === 0 && ok.ms === t.totalMs);

    const wrongStatus = await probeHttp(http({ url: `${base}/down` }), OPTS);
    assertEquals(wrongStatus.ok, false);
    assertEquals(wrongStatus.message, "status 503 Service Unavailable, expected 2xx");
    assertEquals(
      (await probeHttp(http({ url: `${base}/down`, expectStatus: 503 }), OPTS)).ok,
      true,
    );
    const wrongBody = await probeHttp(http({ url: `${base}/ok`, keyword: "degraded" }), OPTS);
    assertEquals([wrongBody.ok, wrongBody.message], [false, 'keyword "degraded" not in the body']);

    const json = (jsonPath: string, jsonEquals = "") =>
      probeHttp(http({ url: `${base}/json`, jsonPath, jsonEquals }), OPTS);
    assertEquals((await json("$.db.state", "ok")).ok, true);
    assertEquals((await json("$.db.replicas[0]", "3")).ok, true);
    assertEquals(
      (await json("$.db.state", "degraded")).message,
      '$.db.state is "ok", expected "degraded"',
    );
    assertEquals((await json("$.db.missing")).message, "$.db.missing not found");

    const notFollowed = await probeHttp(http({ url: `${base}/moved`, expectStatus: 302 }), OPTS);
    assertEquals(notFollowed.ok, true);
    const followed = await probeHttp(
      http({ url: `${base}/moved`, followRedirects: true, keyword: "nominal" }),
      OPTS,
    );
    assertEquals([followed.ok, followed.message], [true, "200 OK"]);
    // The check's own headers follow a redirect on its origin, and never to another one.
    const token = [{ name: "Authorization", value: "Bearer s3cret" }];
    await probeHttp(http({ url: `${base}/moved`, followRedirects: true, headers: token }), OPTS);
    assertEquals(seen.at(-1)!.get("authorization"), "Bearer s3cret");
    const away = await probeHttp(
      http({ url: `${base}/elsewhere`, followRedirects: true, headers: token }),
      OPTS,
    );
    assertEquals(away.ok, true);
    assertEquals(seen.at(-2)!.get("authorization"), "Bearer s3cret");
    assertEquals(seen.at(-1)!.get("authorization"), null);

    assertEquals((await probeHttp(http({ url: "file:///etc/passwd" }), OPTS)).ok, false);
  } finally {
    await server.shutdown();
  }
});

Deno.test("the HTTP check fails on a refused port and on a server that never answers", async () => {
  const port = closedPort();
  const refused = await probeHttp(http({ url: `http://127.0.0.1:${port}/` }), OPTS);
  assertEquals(refused.ok, false);
  assert(/refused/i.test(refused.message), refused.message);

  // Accepts and never answers: the timeout ends the round.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const c of silent) held.push(c);
  })();
  try {
    const r = await probeHttp(
      http({ url: `http://127.0.0.1:${silent.addr.port}/` }),
      { timeoutMs: 300 },
    );
    assertEquals([r.ok, r.message], [false, "timed out"]);
  } finally {
    silent.close();
    for (const c of held) c.close();
  }
});

Deno.test("the TLS check reports days left, chain and name: one expiring in 3 days, one with a wrong name", async () => {
  const soon = await makeCert({ dns: ["probe.test"], days: 3 });
  const long = await makeCert({ dns: ["other.test"], days: 90 });
  const serve = (c: typeof soon) => {
    const l = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: c.certPem, key: c.keyPem });
    (async () => {
      for await (const conn of l) conn.handshake().catch(() => {}).finally(() => conn.close());
    })();
    return l;
  };
  const a = serve(soon), b = serve(long);
  const tls = (l: Deno.TlsListener, serverName: string, minDaysLeft: number) => ({
    host: "127.0.0.1",
    port: (l.addr as Deno.NetAddr).port,
    serverName,
    minDaysLeft,
  });
  try {
    const expiring = await probeTls(tls(a, "probe.test", 14), { ...OPTS, caCerts: [soon.caPem] });
    assertEquals(expiring.ok, false);
    assert(expiring.certDaysLeft! > 2.5 && expiring.certDaysLeft! <= 3, `${expiring.certDaysLeft}`);
    assert(
      /^certificate expires in [\d.]+ days \(fewer than 14\)$/.test(expiring.message),
      expiring.message,
    );
    // The same certificate with no minimum is fine.
    const fine = await probeTls(tls(a, "probe.test", 0), { ...OPTS, caCerts: [soon.caPem] });
    assertEquals(fine.ok, true, fine.message);

    const wrongName = await probeTls(tls(b, "probe.test", 14), { ...OPTS, caCerts: [long.caPem] });
    assertEquals(wrongName.ok, false);
    assertEquals(wrongName.message, "name not valid: probe.test is not in the certificate");
    assert(wrongName.certDaysLeft! > 89, `${wrongName.certDaysLeft}`);

    // Without its CA among the roots, the chain is what fails.
    const untrusted = await probeTls(tls(b, "other.test", 14), OPTS);
    assertEquals(untrusted.ok, false);
    assert(untrusted.message.startsWith("chain not valid"), untrusted.message);
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("the TCP check tells an open port from a closed one", async () => {
  const open = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const c of open) c.close();
  })();
  try {
    const r = await probeTcp({ host: "127.0.0.1", port: open.addr.port }, OPTS);
    assertEquals([r.ok, r.message], [true, "open"]);
    const closed = await probeTcp({ host: "127.0.0.1", port: closedPort() }, OPTS);
    assertEquals([closed.ok, closed.message], [false, "connection refused"]);
  } finally {
    open.close();
  }
});

Deno.test("the DNS check asks the chosen resolver and compares its answers", async () => {
  const dns = await dnsResponder({ "www.probe.test": ["192.0.2.7", "192.0.2.8"] });
  const ask = (name: string, expect: string) =>
    probeDns(
      { name, recordType: "A", expect, resolver: "127.0.0.1", resolverPort: dns.port },
      OPTS,
    );
  try {
    const r = await ask("www.probe.test", "192.0.2.8");
    assertEquals([r.ok, r.message], [true, "192.0.2.7, 192.0.2.8"]);
    const wrong = await ask("www.probe.test", "192.0.2.99");
    assertEquals(wrong.message, "answered 192.0.2.7, 192.0.2.8, expected 192.0.2.99");
    const missing = await ask("nope.probe.test", "");
    assertEquals(missing.ok, false);
    assertEquals(dns.asked.sort(), ["nope.probe.test", "www.probe.test", "www.probe.test"]);
  } finally {
    dns.close();
  }
});

Deno.test("the ping check pings 127.0.0.1, and says so when ping is not permitted", async () => {
  const r = await probePing({ host: "127.0.0.1", count: 2 }, OPTS);
  // Root pings anyway; anyone else only within the range of groups.
  const [lo, hi] = (await Deno.readTextFile("/proc/sys/net/ipv4/ping_group_range"))
    .trim().split(/\s+/).map(Number);
  const permitted = Deno.uid() === 0 || (Deno.gid()! >= lo && Deno.gid()! <= hi);
  if (!permitted) {
    assertEquals([r.ok, r.message], [false, NOT_PERMITTED]);
  } else {
    assertEquals(r.ok, true, r.message);
    assertEquals(r.lossPercent, 0);
    assert(r.ms > 0);
  }
  assertEquals(
    (await probePing({ host: "-f", count: 1 }, OPTS)).message,
    "not a host name or address",
  );
});

Deno.test("the JSON path reads members and indexes, and nothing more", () => {
  const doc = { a: { b: [1, { c: "x" }] }, n: null };
  assertEquals(jsonPathText(doc, "$.a.b[1].c"), "x");
  assertEquals(jsonPathText(doc, "a.b.0"), "1");
  assertEquals(jsonPathText(doc, "$.n"), "null");
  assertEquals(jsonPathText(doc, "$.a.constructor"), undefined);
  assertEquals(jsonPathText(doc, "$.a.b[2]"), undefined);
});

function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

/**
 * A DNS responder of the test's A records, over UDP: the question is echoed
 * back with one answer per address (RFC 1035 §4.1), NXDOMAIN for a name it
 * does not hold.
 */
async function dnsResponder(records: Record<string, string[]>) {
  const sock = dgram.createSocket("udp4");
  const asked: string[] = [];
  sock.on("message", (msg: Uint8Array, from: { port: number; address: string }) => {
    const labels: string[] = [];
    let i = 12;
    while (msg[i]) {
      labels.push(new TextDecoder().decode(msg.subarray(i + 1, i + 1 + msg[i])));
      i += msg[i] + 1;
    }
    const qEnd = i + 5;
    const name = labels.join(".").toLowerCase();
    asked.push(name);
    const addrs = records[name] ?? [];
    const head = new Uint8Array(12);
    head.set(msg.subarray(0, 2));
    head[2] = 0x81; // response, recursion desired
    head[3] = addrs.length ? 0x80 : 0x83; // recursion available; NXDOMAIN when none
    head[5] = 1;
    head[7] = addrs.length;
    const answers = addrs.map((a) =>
      new Uint8Array([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...a.split(".").map(Number)])
    );
    const out = new Uint8Array([
      ...head,
      ...msg.subarray(12, qEnd),
      ...answers.flatMap((a) => [...a]),
    ]);
    sock.send(out, from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
  return { port: sock.address().port, asked, close: () => sock.close() };
}
