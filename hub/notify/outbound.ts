/**
 * The one way notifications reach out: http(s) only, a timeout, no
 * redirects followed (a redirect could lead anywhere), and errors worded
 * without the URL (a webhook's URL is its secret). On a hub shared between
 * teams an admin can forbid private destinations (loopback, RFC 1918,
 * link-local, CGNAT, unique-local, multicast): the host name is resolved
 * and every address it has is checked before the request. The connection
 * resolves the name again, so a name that changes its answer in between
 * could still reach a private address; a proxy that enforces the policy on
 * the connection itself is the stronger fence, and is the operator's to add.
 */
import { isIP } from "node:net";

/** Why a request was not made or had no answer; its message never holds the URL. */
export class OutboundError extends Error {}

export interface Outbound {
  fetch(url: string, init: RequestInit, timeoutMs: number): Promise<Response>;
}

function v4(ip: string): number[] {
  return ip.split(".").map(Number);
}

/** Whether `ip` is an address a shared hub should not be made to call. */
export function privateAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = v4(ip);
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  const s = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (mapped) return privateAddress(mapped[1]);
  return s === "::" || s === "::1" || /^f[cd]/.test(s) || /^fe[89ab]/.test(s) || s.startsWith("ff");
}

async function addresses(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare)) return [bare];
  const found: string[] = [];
  for (const type of ["A", "AAAA"] as const) {
    try {
      found.push(...await Deno.resolveDns(bare, type));
    } catch { /* no such records */ }
  }
  if (!found.length) throw new OutboundError(`cannot resolve ${bare}`);
  return found;
}

/** Outbound requests under the hub's destination policy. */
export class OutboundPolicy implements Outbound {
  constructor(private blockPrivate: () => boolean | Promise<boolean> = () => false) {}

  async fetch(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new OutboundError("not a URL");
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      throw new OutboundError(`${u.protocol} destinations are not allowed`);
    }
    if (await this.blockPrivate()) {
      const bad = (await addresses(u.hostname)).find(privateAddress);
      if (bad) {
        throw new OutboundError(`${u.hostname} is a private address, which this hub may not call`);
      }
    }
    try {
      return await fetch(u, {
        ...init,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === "TimeoutError") {
        throw new OutboundError(`no answer in ${timeoutMs / 1000} s`);
      }
      const why = String((err as Error)?.message ?? err);
      throw new OutboundError(why.replaceAll(u.href, "the URL").replaceAll(url, "the URL"));
    }
  }
}

/** A service's answer as delivery records it: ok for 2xx, the start of the body, its wait. */
export async function answer(res: Response): Promise<{
  ok: boolean;
  status: number;
  detail: string;
  retryAfter: string | null;
}> {
  const text = (await res.text().catch(() => "")).slice(0, 300);
  return {
    ok: res.ok,
    status: res.status,
    detail: text,
    retryAfter: res.headers.get("retry-after"),
  };
}

/** The settings key of the destination policy: "1" forbids private destinations. */
export const BLOCK_PRIVATE_KEY = "notify.block_private";

/** Whether an admin forbade private destinations (read each time: a change holds at once). */
export async function blockPrivateDestinations(
  store: { settings: { get(k: string): Promise<string | null> } },
) {
  return (await store.settings.get(BLOCK_PRIVATE_KEY)) === "1";
}
