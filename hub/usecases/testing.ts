/**
 * What the use-case tests share: each test runs on a fresh store of both
 * backends (as the conformance suite does), and reads the audit log back.
 */
import { assert, assertEquals } from "../../lib/assert.ts";
import type { Store } from "../store/store.ts";
import { testBackends } from "../store/testing.ts";
import type { Actor } from "./actor.ts";
import { type UseCaseCode, UseCaseError } from "./errors.ts";

/** Registers `fn` once per backend, on a fresh migrated store. */
export function useCaseTest(name: string, fn: (store: Store) => Promise<void>): void {
  for (const backend of testBackends()) {
    Deno.test({
      name: `${backend.name}: ${name}`,
      ignore: backend.ignore,
      sanitizeResources: false,
      sanitizeOps: false,
      async fn() {
        const { store, dispose } = await backend.open();
        try {
          await fn(store);
        } finally {
          await dispose();
        }
      },
    });
  }
}

/** A signed-in admin, as the dashboard passes one. */
export const ANN: Actor = { kind: "user", id: "u-ann", name: "ann" };

/** The audit log, oldest first, as [actor, action, target, target_id, detail]. */
export async function auditRows(store: Store): Promise<string[][]> {
  return (await store.audit.list(100)).reverse().map((
    e,
  ) => [e.actor, e.action, e.target, e.target_id, e.detail]);
}

/** Asserts that `p` is refused with `code`; returns the refusal. */
export async function refusedWith(p: Promise<unknown>, code: UseCaseCode): Promise<UseCaseError> {
  const err = await p.then(() => null, (e) => e);
  assert(err instanceof UseCaseError, `expected a refusal (${code}), got ${err}`);
  assertEquals(err.code, code, err.message);
  return err;
}
