/**
 * A streaming decoder of the LZ4 frame format (lz4's doc/lz4_Frame_format.md
 * and lz4_Block_format.md), for apt's lists where apt keeps them compressed
 * (Acquire::GzipIndexes picks .lz4 on current Debian). Written here because
 * the pure-JS packages on npm decode only a whole buffer into a whole
 * buffer: a 19 MB list would become 50 MB held at once, several times the
 * agent's whole memory budget. This holds the compressed bytes of one block,
 * one decoded block and the 64 KiB window a linked block may refer back to,
 * in buffers reused from block to block: each decoded block is handed to
 * the caller as a view, to be used before `push` returns (allocating one
 * per block would leave tens of MB of garbage outside the JS heap before the
 * collector noticed).
 *
 * Checksums are not verified (apt verified the file when it fetched it);
 * dictionaries and the legacy format are refused.
 */

const MAGIC = 0x184d2204;
const SKIPPABLE = 0x184d2a50; // ..0x184d2a5f
const WINDOW = 64 * 1024;

/** Bytes that are not an LZ4 frame, or end before the frame does. */
export class Lz4Error extends Error {
  override name = "Lz4Error";
}

type State =
  | { kind: "header" }
  | { kind: "skip"; left: number }
  | { kind: "block" };

/** Decodes LZ4 frames (one or several, concatenated) pushed in pieces of any size. */
export class Lz4Decoder {
  /** Bytes received and not yet consumed: `#in[0, #len)`. */
  #in = new Uint8Array(64 * 1024);
  #len = 0;
  #state: State = { kind: "header" };
  #linked = false;
  #blockChecksum = false;
  #contentChecksum = false;
  #blockMax = 0;
  /** The window (`#dst[0, #win)`), then the block being decoded. */
  #dst = new Uint8Array(0);
  #win = 0;

  /** Takes the next bytes; `emit` gets each decoded block, a view valid only during the call. */
  push(chunk: Uint8Array, emit: (out: Uint8Array) => void): void {
    if (this.#len + chunk.length > this.#in.length) {
      const grown = new Uint8Array(Math.max(this.#in.length * 2, this.#len + chunk.length));
      grown.set(this.#in.subarray(0, this.#len));
      this.#in = grown;
    }
    this.#in.set(chunk, this.#len);
    this.#len += chunk.length;
    let at = 0;
    for (;;) {
      const used = this.#step(this.#in.subarray(at, this.#len), emit);
      if (used === 0) break;
      at += used;
    }
    this.#in.copyWithin(0, at, this.#len);
    this.#len -= at;
  }

  /** Says the input ended; throws if it ended inside a frame. */
  end(): void {
    if (this.#len || this.#state.kind !== "header") {
      throw new Lz4Error("the data ends inside an LZ4 frame");
    }
  }

  /** Consumes one unit (header, block, skipped bytes) of `b`; 0 when it needs more bytes. */
  #step(b: Uint8Array, emit: (out: Uint8Array) => void): number {
    const s = this.#state;
    const u32 = (i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
    if (s.kind === "skip") {
      const n = Math.min(s.left, b.length);
      s.left -= n;
      if (s.left === 0) this.#state = { kind: "header" };
      return n;
    }
    if (s.kind === "header") {
      if (b.length < 8) return 0;
      const magic = u32(0);
      if ((magic & 0xfffffff0) === SKIPPABLE) {
        const left = u32(4);
        this.#state = left ? { kind: "skip", left } : { kind: "header" };
        return 8;
      }
      if (magic !== MAGIC) throw new Lz4Error("not an LZ4 frame (bad magic number)");
      const flg = b[4];
      const bd = b[5];
      if (flg >> 6 !== 1) throw new Lz4Error(`LZ4 frame version ${flg >> 6} is not 1`);
      if (flg & 0x01) throw new Lz4Error("LZ4 frames with a dictionary are not read");
      const size = (bd >> 4) & 7;
      if (size < 4) throw new Lz4Error(`bad LZ4 block size code ${size}`);
      const len = 7 + (flg & 0x08 ? 8 : 0);
      if (b.length < len) return 0;
      this.#linked = (flg & 0x20) === 0;
      this.#blockChecksum = (flg & 0x10) !== 0;
      this.#contentChecksum = (flg & 0x04) !== 0;
      this.#blockMax = 1 << (8 + 2 * size);
      if (this.#dst.length < WINDOW + this.#blockMax) {
        this.#dst = new Uint8Array(WINDOW + this.#blockMax);
      }
      this.#win = 0;
      this.#state = { kind: "block" };
      return len;
    }
    if (b.length < 4) return 0;
    const word = u32(0);
    if (word === 0) {
      // The end mark, and the content checksum after it when the frame has one.
      this.#state = this.#contentChecksum ? { kind: "skip", left: 4 } : { kind: "header" };
      return 4;
    }
    const stored = (word & 0x80000000) !== 0;
    const len = word & 0x7fffffff;
    if (len > this.#blockMax) {
      throw new Lz4Error(`an LZ4 block of ${len} bytes is over its frame's maximum`);
    }
    const total = 4 + len + (this.#blockChecksum ? 4 : 0);
    if (b.length < total) return 0;
    const start = this.#linked ? this.#win : 0;
    const data = b.subarray(4, 4 + len);
    let end: number;
    if (stored) {
      this.#dst.set(data, start);
      end = start + len;
    } else {
      end = this.#decodeBlock(data, start);
    }
    if (end > start) emit(this.#dst.subarray(start, end));
    if (this.#linked) {
      // The last 64 KiB decoded become the window the next block may copy from.
      const keep = Math.min(WINDOW, end);
      this.#dst.copyWithin(0, end - keep, end);
      this.#win = keep;
    }
    return total;
  }

  /** Decodes one compressed block into `#dst` from `start`; returns where it ends. */
  #decodeBlock(src: Uint8Array, start: number): number {
    const dst = this.#dst;
    const limit = start + this.#blockMax;
    const n = src.length;
    let ip = 0;
    let op = start;
    const byte = () => {
      if (ip >= n) throw new Lz4Error("an LZ4 block ends inside a sequence");
      return src[ip++];
    };
    for (;;) {
      const token = byte();
      let lit = token >>> 4;
      if (lit === 15) {
        let c;
        do {
          c = byte();
          lit += c;
        } while (c === 255);
      }
      if (ip + lit > n || op + lit > limit) {
        throw new Lz4Error("an LZ4 literal runs past its block");
      }
      dst.set(src.subarray(ip, ip + lit), op);
      ip += lit;
      op += lit;
      if (ip === n) return op; // the last sequence has literals only
      const off = byte() | (byte() << 8);
      if (off === 0 || off > op) throw new Lz4Error("an LZ4 match refers before the data");
      let len = (token & 15) + 4;
      if ((token & 15) === 15) {
        let c;
        do {
          c = byte();
          len += c;
        } while (c === 255);
      }
      if (op + len > limit) throw new Lz4Error("an LZ4 match runs past its block");
      // Byte by byte: a match may overlap what it is writing (a run).
      for (let m = op - off, stop = op + len; op < stop;) dst[op++] = dst[m++];
    }
  }
}
