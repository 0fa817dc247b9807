/** A clock islands share, so relative times ("seen 47 s ago") keep moving. */
import { useEffect, useState } from "preact/hooks";

/** The current time in ms, re-read every `everyMs` while the component is mounted. */
export function useNow(everyMs = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
