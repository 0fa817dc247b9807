/**
 * The operator key in this browser (issue 20): an Ed25519 key pair made by
 * WebCrypto with its private half not extractable, kept in IndexedDB (which
 * stores a CryptoKey as it is, so the private bytes never reach script, the
 * hub or a disk file anyone can copy). Its public half, written `ed25519:…`,
 * is what an operator pins on each host. The hub never sees the private key:
 * a grant is signed here and only the signature travels.
 */
import { encodeKey, keyFingerprint } from "../lib/actions/grant.ts";

const DB = "sightline";
const STORE = "operator-key";
const ID = "current";

/** The key as this browser holds it. */
export interface HeldKey {
  privateKey: CryptoKey;
  /** `ed25519:…`, for pinning. */
  publicKey: string;
  fingerprint: string;
  created: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = fn(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => resolve(req.result as T);
      req.onerror = () => reject(req.error);
    });
  } finally {
    db.close();
  }
}

/** The key this browser holds, or null. */
export async function loadKey(): Promise<HeldKey | null> {
  return (await tx<HeldKey | undefined>("readonly", (s) => s.get(ID))) ?? null;
}

/** Makes a new key pair (replacing any held) and keeps it. */
export async function generateKey(): Promise<HeldKey> {
  // extractable: false applies to the private key; a public key is always exportable.
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const held: HeldKey = {
    privateKey: pair.privateKey,
    publicKey: encodeKey(raw),
    fingerprint: await keyFingerprint(raw),
    created: new Date().toISOString(),
  };
  await tx("readwrite", (s) => s.put(held, ID));
  return held;
}

/** Forgets the key: grants can no longer be signed in this browser. */
export async function forgetKey(): Promise<void> {
  await tx("readwrite", (s) => s.delete(ID));
}

/** Whether this browser can make Ed25519 keys at all. */
export function supported(): boolean {
  return typeof indexedDB !== "undefined" && typeof crypto?.subtle?.generateKey === "function";
}
