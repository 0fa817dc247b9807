/** A host's live status badge: online, offline (with when it was last seen), or waiting for its agent. */
import { useEffect, useState } from "preact/hooks";
import { formatAgo } from "../lib/format.ts";
import { onLive } from "./live.ts";
import { useNow } from "./clock.ts";

/** Props: the host and its status when the page was rendered. */
export interface HostStatusProps {
  hostId: string;
  status: "online" | "offline";
  registered: boolean;
  lastSeen: string | null;
}

/** Updates itself over SSE; marks the page stale while the host is offline. */
export default function HostStatus(props: HostStatusProps) {
  const [state, setState] = useState({ ...props, removed: false });
  const now = useNow();
  useEffect(() => {
    const offStatus = onLive("host.status", (d) => {
      if (d.id !== props.hostId) return;
      setState((s) => ({
        ...s,
        status: d.status,
        lastSeen: d.last_seen,
        // Live changes come from a connected agent; a snapshot says outright.
        registered: d.registered !== false,
      }));
    }, props.hostId);
    const offRemoved = onLive("host.removed", (d) => {
      if (d.id === props.hostId) setState((s) => ({ ...s, removed: true, status: "offline" }));
    }, props.hostId);
    return () => {
      offStatus();
      offRemoved();
    };
  }, [props.hostId]);
  useEffect(() => {
    document.body.classList.toggle("host-offline", state.status !== "online");
  }, [state.status]);
  if (state.removed) {
    return <span class="badge offline" role="status">removed: this host no longer exists</span>;
  }
  if (!state.registered) {
    return <span class="badge pending" role="status">waiting for agent</span>;
  }
  return (
    <span role="status" class="host-status">
      <span class={`badge ${state.status}`}>{state.status}</span>
      {state.status !== "online" && (
        <span class="muted">last seen {formatAgo(state.lastSeen, now)}</span>
      )}
    </span>
  );
}
