/**
 * The assertions tests use. @std/assert lives on JSR, which this project
 * cannot reach, so these wrap node:assert with std's names.
 */
import assertNode from "node:assert/strict";

/** Asserts deep equality. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (msg === undefined) assertNode.deepStrictEqual(actual, expected);
  else assertNode.deepStrictEqual(actual, expected, msg);
}

/** Asserts a truthy value. */
export function assert(cond: unknown, msg?: string): asserts cond {
  if (!cond) throw new assertNode.AssertionError({ message: msg ?? "Assertion failed" });
}

/** Asserts that `fn` throws an instance of `cls` (and, if given, a message containing `includes`). */
export function assertThrows(
  fn: () => unknown,
  cls: new (...a: never[]) => Error,
  includes?: string,
): void {
  assertNode.throws(
    fn,
    (err: unknown) => err instanceof cls && (!includes || err.message.includes(includes)),
  );
}

/** Asserts that `p` rejects with an instance of `cls`. */
export async function assertRejects(
  p: () => Promise<unknown>,
  cls: new (...a: never[]) => Error,
  includes?: string,
): Promise<void> {
  await assertNode.rejects(
    p,
    (err: unknown) => err instanceof cls && (!includes || err.message.includes(includes)),
  );
}

/**
 * A TextDecoderStream typed for byte streams: with the DOM lib loaded (for
 * islands) its writable side is typed for any BufferSource.
 */
export function textDecoder(): TransformStream<Uint8Array, string> {
  return new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>;
}
