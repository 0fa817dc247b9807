/** A host's live status badge: online, offline (with when it was last seen), or waiting for its agent. */
import { useEffect, useState } from "preact/hooks";
import { formatAgo } from "../lib/format.ts";
import { onLive } from "./live.ts";

/** Props: the host and its status when the page was rendered. */
export interface HostStatusProps {
  hostId: string;
  status: "online" | "offline";
  registered: boolean;
  lastSeen: string | null;
}

/** Updates itself over SSE; marks the page stale while the host is offline. */
export default function HostStatus(props: HostStatusProps) {
  const [state, setState] = useState(props);
  useEffect(() =>
    onLive("host.status", (d) => {
      if (d.id !== props.hostId) return;
      setState((s) => ({
        ...s,
        status: d.status as "online" | "offline",
        lastSeen: d.last_seen as string,
        // Live changes come from a connected agent; a snapshot says outright.
        registered: d.registered !== false,
      }));
    }, props.hostId), [props.hostId]);
  useEffect(() => {
    document.body.classList.toggle("host-offline", state.status !== "online");
  }, [state.status]);
  if (!state.registered) {
    return <span class="badge pending" role="status">waiting for agent</span>;
  }
  return (
    <span role="status" class="host-status">
      <span class={`badge ${state.status}`}>{state.status}</span>
      {state.status !== "online" && <span class="muted">last seen {formatAgo(state.lastSeen)}
      </span>}
    </span>
  );
}
