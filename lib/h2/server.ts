/** The HTTP/2 server: the connections it serves (connection.ts) and their housekeeping. */
import type { Duplex } from "node:stream";
import { DEFAULT_LIMITS, H2Connection, type H2Limits } from "./connection.ts";
import type { H2Stream } from "./stream.ts";

export { DEFAULT_LIMITS, H2Connection, type H2Limits } from "./connection.ts";
export { BACKLOG_HIGH_WATER, H2Stream, type StreamClose } from "./stream.ts";
export type { HeaderList } from "./hpack.ts";

/** Accepts connections on already-established sockets and keeps their housekeeping. */
export class H2Server {
  #connections = new Set<H2Connection>();
  #timer: ReturnType<typeof setInterval>;
  #closing = false;

  constructor(
    private onStream: (s: H2Stream) => void,
    private limits: H2Limits = DEFAULT_LIMITS,
  ) {
    this.#timer = setInterval(() => {
      const now = Date.now();
      for (const c of this.#connections) c.tick(now);
    }, 2000);
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Serves HTTP/2 on `socket` (a TLS socket that negotiated h2). */
  serve(socket: Duplex, peer: string): H2Connection {
    const conn = new H2Connection(
      socket,
      peer,
      this.onStream,
      (c) => this.#connections.delete(c),
      this.limits,
    );
    this.#connections.add(conn);
    if (this.#closing) conn.shutdown();
    return conn;
  }

  /** GOAWAY to every connection; after `graceMs`, drops those still open. */
  async close(graceMs: number): Promise<void> {
    this.#closing = true;
    for (const c of this.#connections) c.shutdown();
    const deadline = Date.now() + graceMs;
    while (this.#connections.size && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const c of [...this.#connections]) c.destroy();
    clearInterval(this.#timer);
  }
}
