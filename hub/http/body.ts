/** The JSON body of a request, or a clear 400 (and the size limit's 413 as it is). */
import type { Context } from "hono";
import { HttpError } from "./errors.ts";

export async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, "invalid_body", "The body must be JSON");
  }
}
