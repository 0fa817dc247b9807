/**
 * A host's tags, edited where they are shown: the form posts as a plain form
 * without scripts; with them it saves in place, shows a refusal beside the
 * field and keeps what was typed. Tags changed elsewhere arrive live.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { onLive } from "./live.ts";

/** Props: the host, its tags, and whether this user may change them. */
export interface TagEditorProps {
  hostId: string;
  tags: string[];
  canEdit: boolean;
}

/** The tags and, for admins, the field that edits them. */
export default function TagEditor({ hostId, tags: initial, canEdit }: TagEditorProps) {
  const [tags, setTags] = useState(initial);
  const [text, setText] = useState(initial.join(", "));
  // Typed but not saved: a change saved elsewhere must not overwrite it.
  const dirty = useRef(false);
  const [state, setState] = useState<{ saving?: boolean; error?: string; saved?: boolean }>({});
  useEffect(() =>
    onLive("host.changed", (d) => {
      if (d.id !== hostId) return;
      setTags(d.tags);
      if (!dirty.current) setText(d.tags.join(", "));
    }, hostId), [hostId]);

  const save = async (e: Event) => {
    e.preventDefault();
    setState({ saving: true });
    try {
      const res = await fetch(`/hosts/${encodeURIComponent(hostId)}/tags`, {
        method: "POST",
        headers: { accept: "application/json" },
        body: new URLSearchParams({ tags: text }),
      });
      const body = await res.json().catch(() => null);
      if (!res.ok) {
        setState({ error: body?.error?.message ?? `Not saved (HTTP ${res.status})` });
        return;
      }
      setTags(body.tags);
      setText(body.tags.join(", "));
      dirty.current = false;
      setState({ saved: true });
    } catch {
      setState({ error: "Not saved: the hub cannot be reached. Your text is kept; try again." });
    }
  };

  const chips = (
    <span class="tag-list">
      {tags.length ? tags.map((t) => <span key={t} class="tag">{t}</span>) : "none"}
    </span>
  );
  if (!canEdit) return <p class="tags-line">Tags: {chips}</p>;
  const errorId = `tags-error-${hostId}`;
  return (
    <form method="post" action={`/hosts/${hostId}/tags`} class="row tags-form" onSubmit={save}>
      <label>
        Tags <small>(comma-separated)</small>
        <input
          name="tags"
          value={text}
          maxLength={600}
          aria-invalid={state.error ? "true" : undefined}
          aria-describedby={state.error ? errorId : undefined}
          onInput={(e) => {
            setText((e.target as HTMLInputElement).value);
            dirty.current = true;
            setState({});
          }}
        />
      </label>
      <button type="submit" disabled={state.saving}>Save tags</button>
      {state.saved && <span class="muted" role="status">Saved {chips}</span>}
      {state.error && <p id={errorId} class="field-error" role="alert">{state.error}</p>}
    </form>
  );
}
