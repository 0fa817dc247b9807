/**
 * REST API keys: made (the key is returned once, stored only as its hash)
 * and revoked. Both are audited by the key's name, with its id beside it.
 */
import { checkName } from "../../lib/names.ts";
import type { Store } from "../store/store.ts";
import type { ApiKey } from "../store/auth/types.ts";
import { hashSecret, newApiKey } from "../auth/secrets.ts";
import { type Actor, auditEntry } from "./actor.ts";
import { UseCaseError } from "./errors.ts";

/** What the key use cases need. */
export interface KeyDeps {
  store: Pick<Store, "auth">;
}

/** Makes a key named `name`; returns it (`sl_key_…`, shown once) and its id. */
export async function createApiKey(
  { store }: KeyDeps,
  actor: Actor,
  input: { name: string },
): Promise<{ id: string; name: string; key: string }> {
  const check = checkName("key", input.name);
  if (!check.ok) throw new UseCaseError("invalid_name", check.problem, { field: "name" });
  const key = newApiKey();
  const id = crypto.randomUUID();
  const at = Date.now();
  await store.auth.createApiKey(
    { id, name: check.name, hash: hashSecret(key), createdAt: at },
    auditEntry(actor, "apikey.create", { name: check.name, id }, "", at),
  );
  return { id, name: check.name, key };
}

/** The live key with this id, or a not_found refusal. */
export async function liveApiKey({ store }: KeyDeps, id: string): Promise<ApiKey> {
  const key = (await store.auth.listApiKeys()).find((k) => k.id === id);
  if (!key) throw new UseCaseError("not_found", "No such API key");
  return key;
}

/** Revokes a live key: whatever uses it gets 401 from then on. Returns the key as it was. */
export async function revokeApiKey(deps: KeyDeps, actor: Actor, id: string): Promise<ApiKey> {
  const key = await liveApiKey(deps, id);
  const at = Date.now();
  if (
    !(await deps.store.auth.revokeApiKey(id, at, auditEntry(actor, "apikey.revoke", key, "", at)))
  ) {
    throw new UseCaseError("not_found", "No such API key"); // revoked meanwhile
  }
  return key;
}
