/** API key use cases on a real store: made and revoked, audited by the key's name. */
import { assert, assertEquals } from "../../lib/assert.ts";
import { hashSecret } from "../auth/secrets.ts";
import { createApiKey, liveApiKey, revokeApiKey } from "./keys.ts";
import { ANN, auditRows, refusedWith, useCaseTest } from "./testing.ts";

useCaseTest("an API key is made once, audited by name, and revoked once", async (store) => {
  const made = await createApiKey({ store }, { kind: "cli" }, { name: " deploy " });
  assertEquals(made.name, "deploy");
  assert(/^sl_key_[A-Za-z0-9_-]{32}$/.test(made.key), made.key);
  assertEquals((await store.auth.useApiKey(hashSecret(made.key), 1))?.name, "deploy");
  assertEquals((await liveApiKey({ store }, made.id)).name, "deploy");
  assertEquals((await revokeApiKey({ store }, ANN, made.id)).name, "deploy");
  assertEquals(await store.auth.useApiKey(hashSecret(made.key), 2), null);
  await refusedWith(revokeApiKey({ store }, ANN, made.id), "not_found");
  assertEquals(await auditRows(store), [
    ["cli", "apikey.create", "deploy", made.id, ""],
    ["ann", "apikey.revoke", "deploy", made.id, ""],
  ]);
  assert(!JSON.stringify(await store.audit.list(10)).includes(made.key), "no key in the log");
});

useCaseTest("a refused key name makes no key and no entry", async (store) => {
  for (const name of ["", "ci\u001b[2J", "k".repeat(129)]) {
    await refusedWith(createApiKey({ store }, ANN, { name }), "invalid_name");
  }
  assertEquals([await store.auth.listApiKeys(), await auditRows(store)], [[], []]);
});
