/** The placeholders plans are written with, and the drivers' view of them. */
import { assertEquals } from "../../lib/assert.ts";
import { placeholders, values } from "./sql.ts";

Deno.test("placeholders are numbered per dialect; casts and repeats are kept apart", () => {
  const sql = "SELECT :a::text[], x FROM t WHERE y = :b AND z = :a AND w = '12:30'";
  assertEquals(placeholders("postgres", sql), {
    text: "SELECT $1::text[], x FROM t WHERE y = $2 AND z = $3 AND w = '12:30'",
    names: ["a", "b", "a"],
  });
  assertEquals(
    placeholders("sqlite", "UPDATE t SET v = :v WHERE k = :k").text,
    "UPDATE t SET v = ? WHERE k = ?",
  );
});

Deno.test("values come in placeholder order; SQLite gets booleans as numbers; a missing one is an error", () => {
  assertEquals(values("sqlite", ["a", "b", "a"], { a: true, b: "x" }), [1, "x", 1]);
  assertEquals(values("postgres", ["a"], { a: false }), [false]);
  let error = "";
  try {
    values("sqlite", ["c"], {});
  } catch (err) {
    error = (err as Error).message;
  }
  assertEquals(error, "SQL: no value for :c");
});
