import { assert } from "./assert.ts";
import { logger } from "./log.ts";

Deno.test("log fields: an object says what it holds, text with spaces or newlines is quoted", () => {
  const lines: string[] = [];
  const saved = console.error;
  console.error = (line: string) => void lines.push(line);
  try {
    logger("test").error("Stream failed", {
      error: { code: 16, details: "Host was removed" },
      cause: new Error("boom"),
      path: "/x\nERROR forged",
    });
  } finally {
    console.error = saved;
  }
  const [line] = lines;
  assert(!line.includes("[object Object]"), line);
  assert(line.includes(`error="{\\"code\\":16,\\"details\\":\\"Host was removed\\"}"`), line);
  assert(line.includes("cause=boom"), line);
  assert(line.includes(`path="/x\\nERROR forged"`) && !line.includes("\n"), line);
});
