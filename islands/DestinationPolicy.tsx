/**
 * The destination policy switch (admins): whether notifications may reach
 * private addresses. Saved as soon as it is changed; a refusal puts it back.
 */
import { useState } from "preact/hooks";
import { CheckField, send } from "./alerting_kit.tsx";

export default function DestinationPolicy({ block: initial }: { block: boolean }) {
  const [block, setBlock] = useState(initial);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const change = async (want: boolean) => {
    setBlock(want);
    const sent = await send<{ block_private_destinations: boolean }>(
      "PUT",
      "/api/v1/notification-settings",
      { block_private_destinations: want },
    );
    if (!sent.ok) {
      setBlock(!want);
      return setSaid({ ok: false, text: sent.refusal.message });
    }
    setBlock(sent.body.block_private_destinations);
    setSaid({ ok: true, text: want ? "Private destinations blocked" : "Any destination allowed" });
  };
  return (
    <>
      <CheckField checked={block} onChange={change}>Block private destinations</CheckField>
      <p class="muted">
        On a hub shared between teams: no channel may send to loopback, private (RFC 1918) or
        link-local addresses, so no one can reach the hub's own network through a channel.
      </p>
      {said && <p class={said.ok ? "ok" : "error"} role="status">{said.text}</p>}
    </>
  );
}
