/**
 * Push checks: a URL a cron job calls; silence past the check's interval is
 * a failure. Judged on the hub from what is stored (the last push time in
 * the settings, the status in check_state), never from one hub's memory, so
 * any hub of a cluster may take the push and any may notice the silence.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import { hashSecret } from "../auth/secrets.ts";
import type { Store } from "../store/store.ts";

const hashKey = (id: string) => `check.${id}.push_hash`;
const lastKey = (id: string) => `check.${id}.last_push`;

/** A new push secret for a check; only its hash is stored. Returns the path to call. */
export async function newPushSecret(
  store: Pick<Store, "settings">,
  checkId: string,
): Promise<string> {
  const secret = "sl_push_" + randomBytes(24).toString("base64url");
  await store.settings.set(hashKey(checkId), hashSecret(secret));
  return `/push/${checkId}/${secret}`;
}

/** Whether `secret` is the check's push secret (compared in constant time). */
export async function pushAllowed(
  store: Pick<Store, "settings">,
  checkId: string,
  secret: string,
): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(checkId) || secret.length > 200) return false;
  const stored = await store.settings.get(hashKey(checkId));
  if (!stored) return false;
  const given = Buffer.from(hashSecret(secret));
  const want = Buffer.from(stored);
  return given.length === want.length && timingSafeEqual(given, want);
}

export async function recordPush(store: Pick<Store, "settings">, checkId: string, at: number) {
  await store.settings.set(lastKey(checkId), String(at));
}

export async function lastPush(
  store: Pick<Store, "settings">,
  checkId: string,
): Promise<number | null> {
  const raw = await store.settings.get(lastKey(checkId));
  return raw === null ? null : Number(raw);
}

/** Forgets a removed check's secret and last push. */
export async function forgetPush(store: Pick<Store, "settings">, checkId: string): Promise<void> {
  await store.settings.update(
    [hashKey(checkId), lastKey(checkId)],
    () => new Map([[hashKey(checkId), null], [lastKey(checkId), null]]),
  );
}
