/**
 * HPACK (RFC 7541), the header compression of HTTP/2, for the hand-written HTTP/2 server that
 * replaces node:http2 (Deno's node:http2 server crashes in native code).
 *
 * Written by hand because npm has no well-kept HPACK codec that does not pull in Node-only
 * stream machinery, and because the decoder faces hostile input: every failure is an
 * {@link HpackError} (COMPRESSION_ERROR in HTTP/2 terms, after which the connection must be
 * closed, as the decoder's dynamic table is then out of step with the peer's), and no block can
 * make it allocate more than its header list limit.
 *
 * Names and values are byte strings: each octet is one char code 0-255 (Latin-1), never UTF-8.
 * The encoder uses only the static table and literals without indexing, so it never inserts
 * into the peer's dynamic table; it Huffman-codes a string when that is shorter.
 */

/** A header list in wire order; names and values are byte strings (char codes 0-255). */
export type HeaderList = [name: string, value: string][];

/** Malformed or over-limit HPACK input: a connection error of type COMPRESSION_ERROR. */
export class HpackError extends Error {
  override name = "HpackError";
}

/** RFC 7541 Appendix A. Index i + 1 is entry i. */
// deno-fmt-ignore
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [":authority", ""], [":method", "GET"], [":method", "POST"], [":path", "/"],
  [":path", "/index.html"], [":scheme", "http"], [":scheme", "https"], [":status", "200"],
  [":status", "204"], [":status", "206"], [":status", "304"], [":status", "400"],
  [":status", "404"], [":status", "500"], ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"], ["accept-language", ""], ["accept-ranges", ""],
  ["accept", ""], ["access-control-allow-origin", ""], ["age", ""], ["allow", ""],
  ["authorization", ""], ["cache-control", ""], ["content-disposition", ""],
  ["content-encoding", ""], ["content-language", ""], ["content-length", ""],
  ["content-location", ""], ["content-range", ""], ["content-type", ""], ["cookie", ""],
  ["date", ""], ["etag", ""], ["expect", ""], ["expires", ""], ["from", ""], ["host", ""],
  ["if-match", ""], ["if-modified-since", ""], ["if-none-match", ""], ["if-range", ""],
  ["if-unmodified-since", ""], ["last-modified", ""], ["link", ""], ["location", ""],
  ["max-forwards", ""], ["proxy-authenticate", ""], ["proxy-authorization", ""], ["range", ""],
  ["referer", ""], ["refresh", ""], ["retry-after", ""], ["server", ""], ["set-cookie", ""],
  ["strict-transport-security", ""], ["transfer-encoding", ""], ["user-agent", ""], ["vary", ""],
  ["via", ""], ["www-authenticate", ""],
];

/**
 * RFC 7541 Appendix B, as the spec gives it: for each symbol 0..255 and EOS (256), the code
 * (aligned to the least significant bit) followed by its length in bits. Four symbols a line.
 */
// deno-fmt-ignore
export const HUFFMAN_CODE: readonly number[] = [
  0x1ff8, 13, 0x7fffd8, 23, 0xfffffe2, 28, 0xfffffe3, 28, // 0
  0xfffffe4, 28, 0xfffffe5, 28, 0xfffffe6, 28, 0xfffffe7, 28,
  0xfffffe8, 28, 0xffffea, 24, 0x3ffffffc, 30, 0xfffffe9, 28, // 8
  0xfffffea, 28, 0x3ffffffd, 30, 0xfffffeb, 28, 0xfffffec, 28,
  0xfffffed, 28, 0xfffffee, 28, 0xfffffef, 28, 0xffffff0, 28, // 16
  0xffffff1, 28, 0xffffff2, 28, 0x3ffffffe, 30, 0xffffff3, 28,
  0xffffff4, 28, 0xffffff5, 28, 0xffffff6, 28, 0xffffff7, 28, // 24
  0xffffff8, 28, 0xffffff9, 28, 0xffffffa, 28, 0xffffffb, 28,
  0x14, 6, 0x3f8, 10, 0x3f9, 10, 0xffa, 12, // 32 ' '
  0x1ff9, 13, 0x15, 6, 0xf8, 8, 0x7fa, 11,
  0x3fa, 10, 0x3fb, 10, 0xf9, 8, 0x7fb, 11, // 40 '('
  0xfa, 8, 0x16, 6, 0x17, 6, 0x18, 6,
  0x0, 5, 0x1, 5, 0x2, 5, 0x19, 6, // 48 '0'
  0x1a, 6, 0x1b, 6, 0x1c, 6, 0x1d, 6,
  0x1e, 6, 0x1f, 6, 0x5c, 7, 0xfb, 8, // 56 '8'
  0x7ffc, 15, 0x20, 6, 0xffb, 12, 0x3fc, 10,
  0x1ffa, 13, 0x21, 6, 0x5d, 7, 0x5e, 7, // 64 '@'
  0x5f, 7, 0x60, 7, 0x61, 7, 0x62, 7,
  0x63, 7, 0x64, 7, 0x65, 7, 0x66, 7, // 72 'H'
  0x67, 7, 0x68, 7, 0x69, 7, 0x6a, 7,
  0x6b, 7, 0x6c, 7, 0x6d, 7, 0x6e, 7, // 80 'P'
  0x6f, 7, 0x70, 7, 0x71, 7, 0x72, 7,
  0xfc, 8, 0x73, 7, 0xfd, 8, 0x1ffb, 13, // 88 'X'
  0x7fff0, 19, 0x1ffc, 13, 0x3ffc, 14, 0x22, 6,
  0x7ffd, 15, 0x3, 5, 0x23, 6, 0x4, 5, // 96 '`'
  0x24, 6, 0x5, 5, 0x25, 6, 0x26, 6,
  0x27, 6, 0x6, 5, 0x74, 7, 0x75, 7, // 104 'h'
  0x28, 6, 0x29, 6, 0x2a, 6, 0x7, 5,
  0x2b, 6, 0x76, 7, 0x2c, 6, 0x8, 5, // 112 'p'
  0x9, 5, 0x2d, 6, 0x77, 7, 0x78, 7,
  0x79, 7, 0x7a, 7, 0x7b, 7, 0x7ffe, 15, // 120 'x'
  0x7fc, 11, 0x3ffd, 14, 0x1ffd, 13, 0xffffffc, 28,
  0xfffe6, 20, 0x3fffd2, 22, 0xfffe7, 20, 0xfffe8, 20, // 128
  0x3fffd3, 22, 0x3fffd4, 22, 0x3fffd5, 22, 0x7fffd9, 23,
  0x3fffd6, 22, 0x7fffda, 23, 0x7fffdb, 23, 0x7fffdc, 23, // 136
  0x7fffdd, 23, 0x7fffde, 23, 0xffffeb, 24, 0x7fffdf, 23,
  0xffffec, 24, 0xffffed, 24, 0x3fffd7, 22, 0x7fffe0, 23, // 144
  0xffffee, 24, 0x7fffe1, 23, 0x7fffe2, 23, 0x7fffe3, 23,
  0x7fffe4, 23, 0x1fffdc, 21, 0x3fffd8, 22, 0x7fffe5, 23, // 152
  0x3fffd9, 22, 0x7fffe6, 23, 0x7fffe7, 23, 0xffffef, 24,
  0x3fffda, 22, 0x1fffdd, 21, 0xfffe9, 20, 0x3fffdb, 22, // 160
  0x3fffdc, 22, 0x7fffe8, 23, 0x7fffe9, 23, 0x1fffde, 21,
  0x7fffea, 23, 0x3fffdd, 22, 0x3fffde, 22, 0xfffff0, 24, // 168
  0x1fffdf, 21, 0x3fffdf, 22, 0x7fffeb, 23, 0x7fffec, 23,
  0x1fffe0, 21, 0x1fffe1, 21, 0x3fffe0, 22, 0x1fffe2, 21, // 176
  0x7fffed, 23, 0x3fffe1, 22, 0x7fffee, 23, 0x7fffef, 23,
  0xfffea, 20, 0x3fffe2, 22, 0x3fffe3, 22, 0x3fffe4, 22, // 184
  0x7ffff0, 23, 0x3fffe5, 22, 0x3fffe6, 22, 0x7ffff1, 23,
  0x3ffffe0, 26, 0x3ffffe1, 26, 0xfffeb, 20, 0x7fff1, 19, // 192
  0x3fffe7, 22, 0x7ffff2, 23, 0x3fffe8, 22, 0x1ffffec, 25,
  0x3ffffe2, 26, 0x3ffffe3, 26, 0x3ffffe4, 26, 0x7ffffde, 27, // 200
  0x7ffffdf, 27, 0x3ffffe5, 26, 0xfffff1, 24, 0x1ffffed, 25,
  0x7fff2, 19, 0x1fffe3, 21, 0x3ffffe6, 26, 0x7ffffe0, 27, // 208
  0x7ffffe1, 27, 0x3ffffe7, 26, 0x7ffffe2, 27, 0xfffff2, 24,
  0x1fffe4, 21, 0x1fffe5, 21, 0x3ffffe8, 26, 0x3ffffe9, 26, // 216
  0xffffffd, 28, 0x7ffffe3, 27, 0x7ffffe4, 27, 0x7ffffe5, 27,
  0xfffec, 20, 0xfffff3, 24, 0xfffed, 20, 0x1fffe6, 21, // 224
  0x3fffe9, 22, 0x1fffe7, 21, 0x1fffe8, 21, 0x7ffff3, 23,
  0x3fffea, 22, 0x3fffeb, 22, 0x1ffffee, 25, 0x1ffffef, 25, // 232
  0xfffff4, 24, 0xfffff5, 24, 0x3ffffea, 26, 0x7ffff4, 23,
  0x3ffffeb, 26, 0x7ffffe6, 27, 0x3ffffec, 26, 0x3ffffed, 26, // 240
  0x7ffffe7, 27, 0x7ffffe8, 27, 0x7ffffe9, 27, 0x7ffffea, 27,
  0x7ffffeb, 27, 0xffffffe, 28, 0x7ffffec, 27, 0x7ffffed, 27, // 248
  0x7ffffee, 27, 0x7ffffef, 27, 0x7fffff0, 27, 0x3ffffee, 26,
  0x3fffffff, 30, // 256 EOS
];

const EOS = 256;

/*
 * Decoding runs a state machine four bits at a time. The states are the 256 inner nodes of the
 * code tree (0 is the root); for state s and nibble n, HUFF_NEXT[s * 16 + n] is the next state
 * and HUFF_EMIT[...] the symbol completed on the way (codes are at least 5 bits, so at most one),
 * or -1, or -2 when the nibble completes EOS. HUFF_ACCEPT[s]: the bits since the last symbol
 * are valid padding (a prefix of EOS, i.e. all ones, shorter than 8 bits).
 */
const HUFF_NEXT = new Uint8Array(256 * 16);
const HUFF_EMIT = new Int16Array(256 * 16);
const HUFF_ACCEPT = new Uint8Array(256);
{
  // child[node * 2 + bit]: an inner node's id (> 0), a leaf as -(symbol + 1), or 0 if unset.
  const child = new Int16Array(512);
  const depth = new Uint8Array(256);
  const ones = new Uint8Array(256).fill(1);
  let nodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const code = HUFFMAN_CODE[sym * 2], len = HUFFMAN_CODE[sym * 2 + 1];
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = (code >>> i) & 1, slot = node * 2 + bit;
      if (child[slot] < 0 || (i === 0 && child[slot] !== 0)) throw new Error("not a prefix code");
      if (i === 0) child[slot] = -(sym + 1);
      else {
        if (child[slot] === 0) {
          if (nodes === 256) throw new Error("too many tree nodes");
          depth[nodes] = depth[node] + 1;
          ones[nodes] = ones[node] & bit;
          child[slot] = nodes++;
        }
        node = child[slot];
      }
    }
  }
  if (nodes !== 256 || child.includes(0)) throw new Error("Huffman code is not complete");
  for (let s = 0; s < 256; s++) {
    HUFF_ACCEPT[s] = ones[s] & (depth[s] < 8 ? 1 : 0);
    for (let n = 0; n < 16; n++) {
      let node = s, emit = -1;
      for (let i = 3; i >= 0 && emit !== -2; i--) {
        const c = child[node * 2 + ((n >>> i) & 1)];
        if (c > 0) {
          node = c;
          continue;
        }
        if (emit !== -1) throw new Error("two symbols in a nibble");
        emit = -c - 1 === EOS ? -2 : -c - 1;
        node = 0;
      }
      HUFF_NEXT[s * 16 + n] = node;
      HUFF_EMIT[s * 16 + n] = emit;
    }
  }
}

/** Bytes as a byte string: short ones a char at a time, long ones in chunks of arguments. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  if (end - start <= 64) {
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }
  for (let i = start; i < end; i += 8192) {
    const chunk = bytes.subarray(i, Math.min(end, i + 8192));
    s += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return s;
}

const scratch = new Uint8Array(4096); // decoding is synchronous: one buffer serves all

/** Decodes src[start, end); more than `limit` octets out (it may be negative) is an error. */
function huffmanDecode(src: Uint8Array, start: number, end: number, limit: number): string {
  const cap = Math.max(0, Math.min(Math.floor(((end - start) * 8) / 5), limit)); // codes >= 5 bits
  const out = cap <= scratch.length ? scratch : new Uint8Array(cap);
  let n = 0, state = 0;
  for (let i = start; i < end; i++) {
    for (let shift = 4; shift >= 0; shift -= 4) {
      const at = (state << 4) | ((src[i] >>> shift) & 15);
      const sym = HUFF_EMIT[at];
      if (sym === -2) throw new HpackError("EOS symbol inside a Huffman string");
      if (sym >= 0) {
        if (n === cap) throw new HpackError("header list exceeds its size limit");
        out[n++] = sym;
      }
      state = HUFF_NEXT[at];
    }
  }
  if (!HUFF_ACCEPT[state]) throw new HpackError("bad Huffman padding");
  return latin1(out, 0, n);
}

const MAX_INT = 0x7fffffff;
const EMPTY = new Uint8Array(0);

/** Decodes the header blocks one peer sends on one connection, in order. */
export class HpackDecoder {
  readonly #maxTableSize: number;
  readonly #maxListSize: number;
  #capacity: number; // the dynamic table's current maximum size, set by size updates
  #size = 0;
  // The dynamic table as a ring buffer, oldest entry at #first; every entry is at least 32 octets.
  #names: string[];
  #values: string[];
  #first = 0;
  #count = 0;
  #buf: Uint8Array = EMPTY;
  #pos = 0;

  constructor(opts: { maxTableSize?: number; maxHeaderListSize?: number } = {}) {
    this.#maxTableSize = this.#capacity = opts.maxTableSize ?? 4096;
    this.#maxListSize = opts.maxHeaderListSize ?? 65536;
    if (!(this.#maxTableSize >= 0 && this.#maxListSize >= 0)) throw new RangeError("bad limits");
    const slots = Math.max(1, Math.floor(this.#maxTableSize / 32));
    this.#names = new Array(slots);
    this.#values = new Array(slots);
  }

  /** The dynamic table's size in octets (RFC 7541 §4.1). */
  get dynamicTableSize(): number {
    return this.#size;
  }

  /** The dynamic table, newest entry (index 62) first. */
  dynamicTable(): HeaderList {
    const out: HeaderList = [];
    for (let i = 1; i <= this.#count; i++) out.push(this.#entry(i));
    return out;
  }

  /** Decodes one complete header block; throws {@link HpackError} if it is malformed. */
  decode(block: Uint8Array): HeaderList {
    this.#buf = block;
    this.#pos = 0;
    try {
      return this.#fields();
    } finally {
      this.#buf = EMPTY; // hold no reference to the peer's bytes
    }
  }

  #fields(): HeaderList {
    const block = this.#buf, headers: HeaderList = [];
    let listSize = 0;
    while (this.#pos < block.length) {
      const b = block[this.#pos++];
      if ((b & 0xe0) === 0x20) { // dynamic table size update
        if (headers.length > 0) throw new HpackError("table size update after a header field");
        const n = this.#int(b, 5);
        if (n > this.#maxTableSize) throw new HpackError("table size update above the maximum");
        this.#capacity = n;
        this.#evict(0);
        continue;
      }
      let name: string, value: string;
      const room = this.#maxListSize - listSize - 32;
      if (b & 0x80) { // indexed field
        [name, value] = this.#lookup(this.#int(b, 7));
      } else {
        const index = b & 0x40 ? this.#int(b, 6) : this.#int(b, 4);
        name = index === 0 ? this.#string(room) : this.#lookup(index)[0];
        value = this.#string(room - name.length);
        if (b & 0x40) this.#insert(name, value);
      }
      listSize += name.length + value.length + 32;
      if (listSize > this.#maxListSize) throw new HpackError("header list exceeds its size limit");
      headers.push([name, value]);
    }
    return headers;
  }

  /** An integer with an n-bit prefix (RFC 7541 §5.1), whose first octet `b` has been read. */
  #int(b: number, n: number): number {
    const mask = (1 << n) - 1;
    let v = b & mask;
    if (v < mask) return v;
    for (let shift = 0; shift <= 28; shift += 7) {
      if (this.#pos >= this.#buf.length) throw new HpackError("truncated integer");
      const c = this.#buf[this.#pos++];
      v += (c & 0x7f) * 2 ** shift;
      if (!(c & 0x80)) {
        if (v > MAX_INT) break;
        return v;
      }
    }
    throw new HpackError("integer too large");
  }

  /** A string literal (RFC 7541 §5.2) of at most `limit` octets decoded. */
  #string(limit: number): string {
    if (this.#pos >= this.#buf.length) throw new HpackError("truncated header field");
    const b = this.#buf[this.#pos++];
    const len = this.#int(b, 7);
    const start = this.#pos;
    if (len > this.#buf.length - start) throw new HpackError("truncated string literal");
    this.#pos += len;
    if (b & 0x80) return huffmanDecode(this.#buf, start, this.#pos, limit);
    if (len > limit) throw new HpackError("header list exceeds its size limit");
    return latin1(this.#buf, start, this.#pos);
  }

  #lookup(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError("index 0");
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    if (index - STATIC_TABLE.length > this.#count) throw new HpackError(`no table entry ${index}`);
    return this.#entry(index - STATIC_TABLE.length);
  }

  /** Dynamic table entry i, 1 being the newest. */
  #entry(i: number): [string, string] {
    const at = (this.#first + this.#count - i) % this.#names.length;
    return [this.#names[at], this.#values[at]];
  }

  /** Evicts oldest entries until `room` more octets fit under the capacity. */
  #evict(room: number): void {
    while (this.#count > 0 && this.#size + room > this.#capacity) {
      const at = this.#first;
      this.#size -= this.#names[at].length + this.#values[at].length + 32;
      this.#names[at] = this.#values[at] = "";
      this.#first = (at + 1) % this.#names.length;
      this.#count--;
    }
  }

  #insert(name: string, value: string): void {
    const size = name.length + value.length + 32;
    this.#evict(size);
    if (size > this.#capacity) return; // RFC 7541 §4.4: the table is left empty
    const at = (this.#first + this.#count) % this.#names.length;
    this.#names[at] = name;
    this.#values[at] = value;
    this.#count++;
    this.#size += size;
  }
}

/** For each static name: its first index, and the index of each (name, value) entry. */
const STATIC_INDEX = new Map<string, { index: number; values: Map<string, number> }>();
STATIC_TABLE.forEach(([name, value], i) => {
  const e = STATIC_INDEX.get(name) ?? { index: i + 1, values: new Map<string, number>() };
  e.values.set(value, i + 1);
  STATIC_INDEX.set(name, e);
});

/** Encodes the header blocks sent on one connection, in order. */
export class HpackEncoder {
  /** The dynamic table maximum size the peer's decoder assumes; the table itself stays empty. */
  #tableSize = 4096;
  #sizeUpdate = false;
  #buf = new Uint8Array(1024);
  #pos = 0;

  /** Takes the peer's new SETTINGS_HEADER_TABLE_SIZE. */
  setMaxTableSize(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`bad size ${n}`);
    // RFC 7541 §4.2: a lower limit must be acknowledged by a size update at the start of the
    // next block. We send 0 (the table is never used), so no later change needs another.
    if (n < this.#tableSize) this.#sizeUpdate = true;
  }

  /**
   * Encodes a header list; names must already be lowercase. Throws TypeError for a character
   * above 0xff: values are byte strings.
   */
  encode(headers: HeaderList): Uint8Array<ArrayBuffer> {
    this.#pos = 0;
    if (this.#sizeUpdate) {
      this.#int(0x20, 5, 0);
      this.#tableSize = 0;
      this.#sizeUpdate = false;
    }
    for (const [name, value] of headers) {
      const known = STATIC_INDEX.get(name);
      const full = known?.values.get(value);
      if (full !== undefined) {
        this.#int(0x80, 7, full);
        continue;
      }
      this.#int(0x00, 4, known?.index ?? 0); // literal without indexing
      if (!known) this.#string(name);
      this.#string(value);
    }
    return this.#buf.slice(0, this.#pos);
  }

  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const bigger = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + n));
    bigger.set(this.#buf.subarray(0, this.#pos));
    this.#buf = bigger;
  }

  #int(flags: number, n: number, v: number): void {
    this.#reserve(6);
    const mask = (1 << n) - 1;
    if (v < mask) {
      this.#buf[this.#pos++] = flags | v;
      return;
    }
    this.#buf[this.#pos++] = flags | mask;
    for (v -= mask; v >= 128; v = Math.floor(v / 128)) this.#buf[this.#pos++] = (v % 128) | 128;
    this.#buf[this.#pos++] = v;
  }

  #string(s: string): void {
    let bits = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) throw new TypeError(`header character ${c} is not a byte`);
      bits += HUFFMAN_CODE[c * 2 + 1];
    }
    const huffLen = Math.ceil(bits / 8);
    if (huffLen >= s.length) {
      this.#int(0x00, 7, s.length);
      this.#reserve(s.length);
      for (let i = 0; i < s.length; i++) this.#buf[this.#pos++] = s.charCodeAt(i);
      return;
    }
    this.#int(0x80, 7, huffLen);
    this.#reserve(huffLen);
    const buf = this.#buf;
    let p = this.#pos, acc = 0, n = 0; // n < 8 bits are waiting in acc
    const put = (code: number, len: number) => { // len <= 16 keeps acc within 23 bits
      acc = (acc << len) | code;
      for (n += len; n >= 8; n -= 8) buf[p++] = acc >>> (n - 8);
      acc &= (1 << n) - 1;
    };
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i), code = HUFFMAN_CODE[c * 2], len = HUFFMAN_CODE[c * 2 + 1];
      if (len > 16) {
        put(code >>> 16, len - 16);
        put(code & 0xffff, 16);
      } else put(code, len);
    }
    if (n > 0) buf[p++] = (acc << (8 - n)) | (0xff >>> n); // pad with the top bits of EOS
    this.#pos = p;
  }
}
