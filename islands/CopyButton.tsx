/** Copies a text (a command, a token) to the clipboard and says so. */
import { useState } from "preact/hooks";

/** A button that copies `text`. */
export default function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState<"" | "copied" | "failed">("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone("copied");
    } catch {
      setDone("failed");
    }
    setTimeout(() => setDone(""), 2000);
  };
  return (
    <button type="button" class="copy" onClick={copy} aria-live="polite">
      {done === "copied" ? "Copied" : done === "failed" ? "Select and copy" : label}
    </button>
  );
}
