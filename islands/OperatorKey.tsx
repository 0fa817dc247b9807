/**
 * Settings → Operator key (issue 20): makes this browser's operator key,
 * shows its public half to pin on hosts, and forgets it. The key lives only
 * in this browser (islands/operator_key.ts); the hub stores nothing of it.
 */
import { useEffect, useState } from "preact/hooks";
import { forgetKey, generateKey, type HeldKey, loadKey, supported } from "./operator_key.ts";

export default function OperatorKey() {
  const [key, setKey] = useState<HeldKey | null | undefined>(undefined);
  const [error, setError] = useState("");
  useEffect(() => {
    if (!supported()) {
      setError("This browser cannot keep an operator key (no WebCrypto or IndexedDB).");
      setKey(null);
      return;
    }
    loadKey().then(setKey, (e) => {
      setError(`Cannot read the key store: ${e}`);
      setKey(null);
    });
  }, []);

  const generate = async () => {
    if (
      key &&
      !confirm(
        "Replace this browser's operator key? Hosts that pinned it will refuse grants signed by the new one until it is pinned.",
      )
    ) return;
    setError("");
    try {
      setKey(await generateKey());
    } catch (e) {
      setError(`This browser could not make an Ed25519 key: ${(e as Error).message}`);
    }
  };
  const forget = async () => {
    if (!confirm("Forget this browser's operator key? It cannot be recovered.")) return;
    await forgetKey();
    setKey(null);
  };

  if (key === undefined) return <p class="muted">Looking for a key in this browser…</p>;
  return (
    <div class="operator-key">
      {error && <p class="field-error" role="alert">{error}</p>}
      {key
        ? (
          <>
            <p>
              This browser holds an operator key, made {new Date(key.created).toLocaleString()}{" "}
              (fingerprint{" "}
              <code data-testid="key-fingerprint">{key.fingerprint}</code>). Pin its public key on
              each host that should accept grants from it:
            </p>
            <pre class="pin" data-testid="public-key">{key.publicKey}</pre>
            <p class="muted">
              As root on the host, add it as a line of <code>/etc/sightline/operator.pub</code>{" "}
              (owned by root, writable by root only), or set it in the agent's environment as{" "}
              <code>SIGHTLINE_AGENT_OPERATOR_KEY</code>.
            </p>
            <div class="row">
              <button type="button" onClick={generate}>Make a new key</button>
              <button type="button" class="danger" onClick={forget}>Forget this key</button>
            </div>
          </>
        )
        : (
          <>
            <p>
              This browser holds no operator key. Make one to run actions on hosts that pin it. Its
              private half never leaves this browser: not to the hub, not to a file.
            </p>
            <button type="button" class="primary" onClick={generate}>Make an operator key</button>
          </>
        )}
    </div>
  );
}
