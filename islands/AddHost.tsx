/**
 * The add-host page after the token is made: the command to run, until the
 * agent connects; then the host's name as its agent reported it and a link
 * to its page, and the used token is no longer on screen.
 */
import { useEffect, useState } from "preact/hooks";
import { onLive } from "./live.ts";
import CopyButton from "./CopyButton.tsx";

/** Props: the new host and the command (with its one-time token) that registers its agent. */
export interface AddHostProps {
  hostId: string;
  command: string;
}

/** Waits for the agent over SSE. */
export default function AddHost({ hostId, command }: AddHostProps) {
  const [connected, setConnected] = useState<{ name: string } | null>(null);
  useEffect(() =>
    onLive("host.status", async (d) => {
      if (d.id !== hostId || d.status !== "online") return;
      let name = "";
      try {
        const res = await fetch(`/api/v1/hosts/${encodeURIComponent(hostId)}`);
        if (res.ok) name = (await res.json()).name;
      } catch {
        // The link below still leads to the host.
      }
      setConnected({ name });
    }, hostId), [hostId]);
  if (connected) {
    return (
      <div class="ok" role="status">
        <strong>{connected.name || "The host"}</strong> is connected and reporting.{" "}
        <a href={`/hosts/${hostId}`}>Open its page</a>
      </div>
    );
  }
  return (
    <>
      <p>
        Run this on the host, from a checkout of Sightline (or use the <code>sightline-agent</code>
        {" "}
        binary the same way). The token works once and expires in 24 hours; it is shown only now.
      </p>
      <div class="command">
        <pre><code id="command">{command}</code></pre>
        <CopyButton text={command} label="Copy command" />
      </div>
      <p class="muted" role="status">
        <span class="badge pending">waiting for agent</span>{" "}
        This page changes when the agent connects.{" "}
        <a href={`/hosts/${hostId}`}>Open the host page</a>
      </p>
    </>
  );
}
