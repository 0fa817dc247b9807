import { assertEquals } from "../lib/assert.ts";
import { pause } from "./pause.ts";

Deno.test("pause leaves no listener on a signal that outlives it, and ends early on abort", async () => {
  const ctl = new AbortController();
  let listening = 0;
  const add = ctl.signal.addEventListener.bind(ctl.signal);
  const remove = ctl.signal.removeEventListener.bind(ctl.signal);
  ctl.signal.addEventListener = (...a: Parameters<typeof add>) => (listening++, add(...a));
  ctl.signal.removeEventListener = (...a: Parameters<typeof remove>) => (listening--, remove(...a));
  for (let i = 0; i < 20; i++) await pause(1, ctl.signal);
  assertEquals(listening, 0);
  const waiting = pause(60_000, ctl.signal).then(() => "ended");
  ctl.abort();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise((r) => timer = setTimeout(() => r("still waiting"), 5000));
  assertEquals(await Promise.race([waiting, hung]), "ended");
  clearTimeout(timer);
});
