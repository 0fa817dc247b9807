import { assert, assertEquals, assertThrows } from "../../lib/assert.ts";
import { GrpcError, Status } from "../../lib/grpc/server.ts";
import { logger } from "../../lib/log.ts";
import { Admission } from "./admission.ts";

const log = logger("test");

Deno.test("admission refuses calls past the bound with UNAVAILABLE and a retry hint, and admits again once one ends", () => {
  const a = new Admission({
    maxStarting: 2,
    maxLagMs: 500,
    log,
    lagMs: () => 0,
    random: () => 0.5,
  });
  const first = a.enter();
  a.enter();
  let err: unknown;
  try {
    a.enter();
  } catch (e) {
    err = e;
  }
  assert(err instanceof GrpcError, "refused");
  assertEquals(err.code, Status.UNAVAILABLE);
  assertEquals(err.retryAfterMs, 3500);
  first();
  first(); // twice is once
  a.enter();
  assertThrows(() => a.enter(), GrpcError);
  assertEquals(a.shed, 2);
});

Deno.test("admission refuses new calls while the event loop lags", () => {
  let lag = 900;
  const a = new Admission({ maxStarting: 100, maxLagMs: 500, log, lagMs: () => lag });
  assertThrows(() => a.enter(), GrpcError);
  lag = 10;
  assert(typeof a.enter() === "function");
});
