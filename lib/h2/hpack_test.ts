import http2 from "node:http2";
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { type HeaderList, HpackDecoder, HpackEncoder, HpackError, HUFFMAN_CODE } from "./hpack.ts";

const hex = (s: string) => Uint8Array.from(s.match(/[0-9a-f]{2}/g) ?? [], (h) => parseInt(h, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const bytes = (...xs: (number | string)[]) =>
  Uint8Array.from(
    xs.flatMap((x) => typeof x === "number" ? [x] : [...x].map((c) => c.charCodeAt(0))),
  );

/** Decodes each block in turn, checking the headers and the dynamic table the RFC lists after it. */
function checkSequence(
  decoder: HpackDecoder,
  steps: { block: string; headers: HeaderList; table: HeaderList; size: number }[],
) {
  for (const [i, step] of steps.entries()) {
    assertEquals(decoder.decode(hex(step.block)), step.headers, `block ${i + 1}`);
    assertEquals(decoder.dynamicTable(), step.table, `table after block ${i + 1}`);
    assertEquals(decoder.dynamicTableSize, step.size, `table size after block ${i + 1}`);
  }
}

Deno.test("the Huffman table is RFC 7541's canonical code: complete, codes follow from lengths", () => {
  let kraft = 0;
  for (let s = 0; s <= 256; s++) kraft += 2 ** -HUFFMAN_CODE[s * 2 + 1];
  assertEquals(kraft, 1);
  const order = [...Array(257).keys()].sort((a, b) =>
    HUFFMAN_CODE[a * 2 + 1] - HUFFMAN_CODE[b * 2 + 1] || a - b
  );
  let code = 0, len = HUFFMAN_CODE[order[0] * 2 + 1];
  for (const s of order) {
    code *= 2 ** (HUFFMAN_CODE[s * 2 + 1] - len);
    len = HUFFMAN_CODE[s * 2 + 1];
    assertEquals(HUFFMAN_CODE[s * 2], code, `symbol ${s}`);
    code++;
  }
  assertEquals([HUFFMAN_CODE[47 * 2], HUFFMAN_CODE[47 * 2 + 1]], [0x18, 6]); // the RFC's example
});

Deno.test("RFC 7541 C.2: header field representations", () => {
  // Each example on a fresh decoder: [block, headers, dynamic table after it].
  const examples: Array<[string, HeaderList, HeaderList]> = [
    [
      "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
      [["custom-key", "custom-header"]],
      [["custom-key", "custom-header"]],
    ],
    ["040c 2f73 616d 706c 652f 7061 7468", [[":path", "/sample/path"]], []],
    ["1008 7061 7373 776f 7264 0673 6563 7265 74", [["password", "secret"]], []],
    ["82", [[":method", "GET"]], []],
  ];
  for (const [block, headers, table] of examples) {
    // An entry's size is its name and value plus 32 (RFC 7541 4.1).
    const size = table.reduce((n, [k, v]) => n + k.length + v.length + 32, 0);
    checkSequence(new HpackDecoder(), [{ block, headers, table, size }]);
  }
});

const REQ1: HeaderList = [
  [":method", "GET"],
  [":scheme", "http"],
  [":path", "/"],
  [":authority", "www.example.com"],
];
const REQ2: HeaderList = [...REQ1, ["cache-control", "no-cache"]];
const REQ3: HeaderList = [
  [":method", "GET"],
  [":scheme", "https"],
  [":path", "/index.html"],
  [":authority", "www.example.com"],
  ["custom-key", "custom-value"],
];
const REQ_TABLES: [HeaderList, number][] = [
  [[[":authority", "www.example.com"]], 57],
  [[["cache-control", "no-cache"], [":authority", "www.example.com"]], 110],
  [[["custom-key", "custom-value"], ["cache-control", "no-cache"], [
    ":authority",
    "www.example.com",
  ]], 164],
];

/** The RFC's three requests, as `blocks` encode them, with the table after each. */
const REQUESTS = (blocks: string[]) =>
  [REQ1, REQ2, REQ3].map((headers, i) => ({
    block: blocks[i],
    headers,
    table: REQ_TABLES[i][0],
    size: REQ_TABLES[i][1],
  }));

Deno.test("RFC 7541 C.3: requests without Huffman coding", () => {
  const blocks = [
    "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
    "8286 84be 5808 6e6f 2d63 6163 6865",
    "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
  ];
  checkSequence(new HpackDecoder(), REQUESTS(blocks));
});

Deno.test("RFC 7541 C.4: requests with Huffman coding", () => {
  const blocks = [
    "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
    "8286 84be 5886 a8eb 1064 9cbf",
    "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
  ];
  checkSequence(new HpackDecoder(), REQUESTS(blocks));
});

const DATE1 = "Mon, 21 Oct 2013 20:13:21 GMT";
const DATE2 = "Mon, 21 Oct 2013 20:13:22 GMT";
const LOC = "https://www.example.com";
const COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
const RESPONSES = (blocks: string[]) =>
  [{
    block: blocks[0],
    headers: [[":status", "302"], ["cache-control", "private"], ["date", DATE1], ["location", LOC]],
    table: [["location", LOC], ["date", DATE1], ["cache-control", "private"], [":status", "302"]],
    size: 222,
  }, {
    block: blocks[1],
    headers: [[":status", "307"], ["cache-control", "private"], ["date", DATE1], ["location", LOC]],
    table: [[":status", "307"], ["location", LOC], ["date", DATE1], ["cache-control", "private"]],
    size: 222,
  }, {
    block: blocks[2],
    headers: [
      [":status", "200"],
      ["cache-control", "private"],
      ["date", DATE2],
      ["location", LOC],
      ["content-encoding", "gzip"],
      ["set-cookie", COOKIE],
    ],
    table: [["set-cookie", COOKIE], ["content-encoding", "gzip"], ["date", DATE2]],
    size: 215,
  }] as { block: string; headers: HeaderList; table: HeaderList; size: number }[];

Deno.test("RFC 7541 C.5: responses without Huffman coding, 256-octet table, evictions", () => {
  checkSequence(
    new HpackDecoder({ maxTableSize: 256 }),
    RESPONSES([
      "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133" +
      "2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70" +
      "6c65 2e63 6f6d",
      "4803 3330 37c1 c0bf",
      "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d" +
      "54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049" +
      "5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e" +
      "3d31",
    ]),
  );
});

Deno.test("RFC 7541 C.6: responses with Huffman coding, 256-octet table, evictions", () => {
  checkSequence(
    new HpackDecoder({ maxTableSize: 256 }),
    RESPONSES([
      "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6" +
      "2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
      "4883 640e ffc1 c0bf",
      "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab" +
      "77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f" +
      "9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ]),
  );
});

Deno.test("decoder: size updates at the block start evict; an entry larger than the table empties it", () => {
  const d = new HpackDecoder({ maxTableSize: 256 });
  d.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
  assertEquals(d.dynamicTableSize, 55);
  assertEquals(d.decode(bytes(0x20, 0x3f, 0xe1, 0x01, 0x82)), [[":method", "GET"]]); // 0, then 256
  assertEquals([d.dynamicTable(), d.dynamicTableSize], [[], 0]);
  d.decode(bytes(0x40, 3, "abc", 3, "def"));
  assertEquals(d.dynamicTable(), [["abc", "def"]]);
  d.decode(bytes(0x40, 1, "x", 0x7f, 0x7f, "y".repeat(254))); // 1 + 254 + 32 > 256
  assertEquals([d.dynamicTable(), d.dynamicTableSize], [[], 0]);
  d.decode(bytes(0x40, 1, "a", 95, "a".repeat(95), 0x40, 1, "b", 95, "b".repeat(95))); // 128 each
  assertEquals([d.dynamicTable().map(([n]) => n), d.dynamicTableSize], [["b", "a"], 256]);
  assertEquals(d.decode(new Uint8Array()), []);
});

Deno.test("decoder: names and values are byte strings, never UTF-8", () => {
  const value = String.fromCharCode(...Array(256).keys());
  const block = bytes(0x00, 1, "\xff", 0x7f, 0x81, 0x01, value);
  assertEquals(new HpackDecoder().decode(block), [["\xff", value]]);
});

Deno.test("decoder: malformed blocks raise HpackError", () => {
  const bad: [string, Uint8Array, HpackDecoder?][] = [
    ["index 0", bytes(0x80)],
    ["index past the static table", bytes(0xbe)],
    ["index past the dynamic table", bytes(0x40, 1, "a", 1, "b", 0xbf)],
    ["literal name index past the tables", bytes(0x0f, 0x2f, 1, "v")],
    ["truncated integer", bytes(0xff, 0x80)],
    ["integer over 2^31", bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0x0f)],
    ["integer with 6 continuation octets", bytes(0x3f, 0x80, 0x80, 0x80, 0x80, 0x80, 0)], // 31
    ["truncated string", bytes(0x40, 0x0a, "custom")],
    ["string length far past the block", bytes(0x04, 0x7f, 0xff, 0xff, 0xff, 0x07, "x")],
    ["missing value", bytes(0x40, 1, "a")],
    ["Huffman EOS in the string", bytes(0x04, 0x84, 0xff, 0xff, 0xff, 0xff)],
    ["Huffman EOS after a symbol", bytes(0x04, 0x85, 0x1f, 0xff, 0xff, 0xff, 0xff)],
    ["Huffman padding not all ones", bytes(0x04, 0x81, 0x18)], // 'a' = 00011, then 000
    ["Huffman padding of 8 bits or more", bytes(0x04, 0x82, 0x1f, 0xff)], // 'a' + 11 ones
    ["Huffman padding of a whole octet", bytes(0x04, 0x82, 0xf8, 0xff)], // '&' + 8 ones
    ["Huffman string ending inside a code", bytes(0x04, 0x81, 0xfe)], // 1111111|0
    ["size update above the maximum", bytes(0x3f, 0xe2, 0x1f)], // 4097
    ["size update after a field", bytes(0x82, 0x20)],
    [
      "size update above a small maximum",
      bytes(0x3f, 0x02),
      new HpackDecoder({ maxTableSize: 32 }),
    ],
    [
      "header list over maxHeaderListSize",
      bytes(0x40, 1, "a", 1, "b", 0xbe, 0xbe, 0xbe),
      new HpackDecoder({ maxHeaderListSize: 100 }),
    ],
    [
      "raw value over the remaining list size",
      bytes(0x04, 0x7f, 0x32, ...Array(177).fill(0x61)),
      new HpackDecoder({ maxHeaderListSize: 200 }),
    ],
    [
      "Huffman value decoding past the list size",
      bytes(0x04, 0xff, 0x71, ...Array(240).fill(0)), // 384 '0's
      new HpackDecoder({ maxHeaderListSize: 300 }),
    ],
  ];
  for (const [what, block, decoder] of bad) {
    let err: unknown;
    try {
      (decoder ?? new HpackDecoder()).decode(block);
    } catch (e) {
      err = e;
    }
    assert(err instanceof HpackError, `${what}: got ${err}`);
  }
  assertThrows(
    () => new HpackDecoder().decode(bytes(0x04, 0x7f, 0x81, 0xff, 0xff, 0xff, 0x0f)),
    HpackError,
    "integer too large",
  );
  // The limit counts 32 octets an entry: 3 * (2 + 32) = 102 > 100, but 2 entries fit.
  const twice = bytes(0x40, 1, "a", 1, "b", 0xbe);
  assertEquals(new HpackDecoder({ maxHeaderListSize: 100 }).decode(twice).length, 2);
});

Deno.test("decoder: random and mutated input only ever raises HpackError", () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const valid = hex(
    "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab" +
      "4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf 3fe1 1f",
  );
  for (let i = 0; i < 20000; i++) {
    const block = i % 2
      ? Uint8Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))
      : valid.map((b) => rand() < 0.05 ? Math.floor(rand() * 256) : b);
    try {
      new HpackDecoder({ maxTableSize: 256, maxHeaderListSize: 1000 }).decode(block);
    } catch (err) {
      if (!(err instanceof HpackError)) throw err;
    }
  }
});

Deno.test("encoder: Huffman output matches the RFC's examples", () => {
  const e = new HpackEncoder();
  assertEquals(
    toHex(e.encode([[":authority", "www.example.com"]])),
    "018cf1e3c2e5f23a6ba0ab90f4ff",
  );
  assertEquals(toHex(e.encode([["cache-control", "no-cache"]])), "0f0986a8eb10649cbf");
  assertEquals(
    toHex(e.encode([["custom-key", "custom-value"]])),
    "008825a849e95ba97d7f8925a849e95bb8e8b4bf",
  );
  assertEquals(
    toHex(e.encode([["date", DATE1]])),
    "0f1296d07abe941054d444a8200595040b8166e082a62d1bff",
  );
  assertEquals(toHex(e.encode([[":method", "GET"], [":status", "200"], [":path", "/"]])), "828884");
});

Deno.test("encoder: round trip through a fresh decoder, every byte value, empty and long values", () => {
  const every = String.fromCharCode(...Array(256).keys());
  const headers: HeaderList = [
    [":status", "200"],
    [":status", "201"],
    ["content-type", "application/grpc"],
    ["accept-encoding", "gzip, deflate"],
    ["x-empty", ""],
    ["", ""],
    ["x-every-byte", every],
    ["x-every-byte-huffman", "a".repeat(3000) + every],
    [every, every.split("").reverse().join("")],
    ["x-long", "0123456789abcdef".repeat(2000)],
    ["x-repeated", "1"],
    ["x-repeated", "2"],
  ];
  const e = new HpackEncoder();
  for (let round = 0; round < 3; round++) {
    assertEquals(
      new HpackDecoder({ maxHeaderListSize: 1 << 20 }).decode(e.encode(headers)),
      headers,
    );
  }
  const d = new HpackDecoder({ maxHeaderListSize: 1 << 20 });
  for (let i = 0; i < 3; i++) assertEquals(d.decode(e.encode(headers)), headers);
  assertEquals(d.dynamicTableSize, 0); // the encoder never indexes
  assertEquals(e.encode([]), new Uint8Array());
  assertThrows(() => e.encode([["x", "\u0100"]]), TypeError);
});

Deno.test("encoder: a lowered peer table size is acknowledged once with a size update to 0", () => {
  const e = new HpackEncoder();
  e.setMaxTableSize(8192);
  e.setMaxTableSize(4096);
  assertEquals(toHex(e.encode([[":method", "GET"]])), "82");
  e.setMaxTableSize(100);
  e.setMaxTableSize(4096); // lowered then raised before the next block: still acknowledged
  assertEquals(toHex(e.encode([[":method", "GET"]])), "2082");
  assertEquals(toHex(e.encode([[":method", "GET"]])), "82");
  e.setMaxTableSize(0);
  assertEquals(toHex(e.encode([[":method", "GET"]])), "82");
  const d = new HpackDecoder({ maxTableSize: 0 });
  const e2 = new HpackEncoder();
  e2.setMaxTableSize(0);
  assertEquals(d.decode(e2.encode([["x", "y"]])), [["x", "y"]]);
  assertThrows(() => e.setMaxTableSize(-1), RangeError);
});

// --- interoperability with a real HTTP/2 peer -----------------------------------------------

type Frame = { type: number; flags: number; stream: number; payload: Uint8Array };

/** Splits a byte stream (after the 24-octet preface) into frames as they arrive. */
async function* frames(conn: Deno.Conn): AsyncGenerator<Frame> {
  let buf = new Uint8Array(0), preface = false;
  const chunk = new Uint8Array(65536);
  for (;;) {
    for (;;) {
      if (!preface && buf.length >= 24) {
        assertEquals(
          new TextDecoder().decode(buf.subarray(0, 24)),
          "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        );
        [buf, preface] = [buf.subarray(24), true];
      }
      if (!preface || buf.length < 9) break;
      const len = (buf[0] << 16) | (buf[1] << 8) | buf[2];
      if (buf.length < 9 + len) break;
      const stream = ((buf[5] << 24) | (buf[6] << 16) | (buf[7] << 8) | buf[8]) & 0x7fffffff;
      yield { type: buf[3], flags: buf[4], stream, payload: buf.slice(9, 9 + len) };
      buf = buf.subarray(9 + len);
    }
    const n = await conn.read(chunk);
    if (n === null) return;
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(chunk.subarray(0, n), buf.length);
    buf = next;
  }
}

/** The header block fragment of a HEADERS frame: without padding and priority fields. */
function headersFragment(f: Frame): Uint8Array {
  let start = 0, end = f.payload.length;
  if (f.flags & 0x8) [start, end] = [1, end - f.payload[0]];
  if (f.flags & 0x20) start += 5;
  assert(start <= end, "padding longer than the frame");
  return f.payload.subarray(start, end);
}

function frameBytes(type: number, flags: number, stream: number, payload = new Uint8Array()) {
  const out = new Uint8Array(9 + payload.length);
  out.set([payload.length >>> 16, (payload.length >>> 8) & 255, payload.length & 255, type, flags]);
  new DataView(out.buffer).setUint32(5, stream);
  out.set(payload, 9);
  return out;
}

Deno.test("frame walker: PADDED and PRIORITY fields are stripped from HEADERS", () => {
  const f = frameBytes(1, 0x8 | 0x20, 1, bytes(2, 0, 0, 0, 3, 15, 0x82, 0x84, 0, 0));
  const frame = { type: 1, flags: f[4], stream: 1, payload: f.subarray(9) };
  const expected: HeaderList = [[":method", "GET"], [":path", "/"]];
  assertEquals(new HpackDecoder().decode(headersFragment(frame)), expected);
});

Deno.test("interop: node:http2 client's header blocks decode exactly; it accepts our responses", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  // headerTableSize: the client's decoder then demands a size update at the start of our blocks.
  const client = http2.connect(`http://127.0.0.1:${port}`, {
    paddingStrategy: http2.constants.PADDING_STRATEGY_MAX,
    settings: { headerTableSize: 256 },
  });
  const conn = await listener.accept();
  listener.close();

  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const printable = (n: number) =>
    Array.from({ length: n }, () => ALPHABET[Math.floor(rand() * 64)]).join("");
  const custom: Record<string, string | string[]> = {
    "user-agent": "hpack-interop/1.0",
    "accept": "application/json, text/plain, */*",
    "x-repeated": ["first", "second", "third"],
    "x-empty": "",
    "x-huge": printable(24000), // past the 16 KiB frame limit: CONTINUATION frames
  };
  for (let i = 0; i < 20; i++) custom[`x-custom-${i}`] = `value-${i}-${printable(40 + i * 7)}`;
  const first = {
    ":method": "GET",
    ":scheme": "http",
    ":authority": `127.0.0.1:${port}`,
    ":path": "/first?q=1",
    ...custom,
  };
  const second: Record<string, string | string[]> = { ...first, ":path": "/second" };
  delete second["x-huge"]; // too big for the peer's dynamic table; the rest is indexed by now
  const sent = [first, second];

  const responses = sent.map((headers) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = client.request(headers);
      req.on("response", (h) => resolve({ ...h }));
      req.on("error", reject);
      req.on("close", () => reject(new Error(`stream closed, no response (RST ${req.rstCode})`)));
      req.resume();
    })
  );

  const decoder = new HpackDecoder();
  const encoder = new HpackEncoder();
  const blocks: { stream: number; size: number; headers: HeaderList }[] = [];
  const seen = new Set<string>();
  await conn.write(frameBytes(4, 0, 0)); // our SETTINGS, all defaults
  let pending: { stream: number; parts: Uint8Array[] } | undefined;
  for await (const f of frames(conn)) {
    seen.add(`${f.type}:${f.flags}`);
    if (f.type === 4 && !(f.flags & 1)) {
      for (let i = 0; i + 6 <= f.payload.length; i += 6) {
        const view = new DataView(f.payload.buffer, f.payload.byteOffset + i);
        if (view.getUint16(0) === 1) encoder.setMaxTableSize(view.getUint32(2));
      }
      await conn.write(frameBytes(4, 1, 0)); // SETTINGS ACK
      continue;
    }
    if (f.type === 1) pending = { stream: f.stream, parts: [headersFragment(f)] };
    else if (f.type === 9 && pending?.stream === f.stream) pending.parts.push(f.payload);
    else continue;
    if (!(f.flags & 0x4)) continue; // no END_HEADERS yet
    const block = new Uint8Array(pending.parts.reduce((n, p) => n + p.length, 0));
    pending.parts.reduce((at, p) => (block.set(p, at), at + p.length), 0);
    blocks.push({ stream: pending.stream, size: block.length, headers: decoder.decode(block) });
    const response: HeaderList = [[":status", "200"], ["content-type", "text/plain"]];
    response.push(["x-served", `stream ${pending.stream}`]);
    await conn.write(frameBytes(1, 0x4 | 0x1, pending.stream, encoder.encode(response)));
    pending = undefined;
    if (blocks.length === 2) break;
  }

  for (const [i, res] of (await Promise.all(responses)).entries()) {
    assertEquals(res[":status"], 200);
    assertEquals(res["content-type"], "text/plain");
    assertEquals(res["x-served"], `stream ${blocks[i].stream}`);
  }
  // The client's close callback waits for the socket to end, so the server side closes first.
  const closed = new Promise<void>((resolve) => client.close(resolve));
  conn.close();
  await closed;

  // Every field arrives, repeated names in order; HTTP/2 fixes no order between names.
  const byName = (list: HeaderList) => {
    const m: Record<string, string[]> = {};
    for (const [n, v] of list) (m[n] ??= []).push(v);
    return m;
  };
  assertEquals(blocks.length, 2);
  for (const [i, headers] of sent.entries()) {
    const expected = Object.fromEntries(
      Object.entries(headers).map(([n, v]) => [n, Array.isArray(v) ? v : [v]]),
    );
    assertEquals(byName(blocks[i].headers), expected);
    assertEquals(blocks[i].headers.slice(0, 4).every(([n]) => n.startsWith(":")), true);
  }
  const rawSize = (h: HeaderList) => h.reduce((n, [k, v]) => n + k.length + v.length, 0);
  assert(blocks[0].size < rawSize(blocks[0].headers) * 0.9, "the peer used Huffman coding");
  assert(blocks[1].size < rawSize(blocks[1].headers) / 10, "the peer used the dynamic table");
  assert(seen.has("9:4"), `a CONTINUATION frame ended the first block (saw ${[...seen]})`);
  assert([...seen].some((k) => k.startsWith("1:") && +k.slice(2) & 0x8), "a HEADERS was PADDED");
  assert(decoder.dynamicTableSize > 0);
});
