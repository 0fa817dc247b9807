/**
 * What every codec protoc-gen-lean writes shares, imported by the generated
 * `_lean.ts` files (kept here, not copied into each).
 */
import type { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** A uint64/fixed64 as a number: truncated; NaN, infinities and negatives as 0 (left out). */
export const u64 = (v: number): number => (Number.isFinite(v) && v >= 1 ? Math.trunc(v) : 0);

/** An int64/sint64/sfixed64 as a number: truncated; NaN and infinities as 0 (left out). */
export const i64 = (v: number): number => (Number.isFinite(v) ? Math.trunc(v) : 0);

/**
 * Reads the fields of one message of `len` bytes into `m`: `field` takes
 * those it knows (returns true); every other one is skipped. Throws when a
 * field runs past the message or the message past the buffer.
 */
export function readFields<M>(
  r: BinaryReader,
  len: number,
  m: M,
  field: (r: BinaryReader, no: number, wt: WireType) => boolean,
): M {
  const end = r.pos + len;
  if (end > r.len) throw new RangeError("message overruns its buffer");
  while (r.pos < end) {
    const [no, wt] = r.tag();
    if (!field(r, no, wt)) r.skip(wt, no);
  }
  if (r.pos !== end) throw new RangeError("field overruns its message");
  return m;
}
