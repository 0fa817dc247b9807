/** One HTTP/2 request stream as a handler sees it; its connection (connection.ts) does the work. */
import type { HeaderList } from "./hpack.ts";
import { ErrorCode } from "./frames.ts";
import type { H2Connection } from "./connection.ts";

/** How a stream ended, for whoever serves it. */
export interface StreamClose {
  /** The RST_STREAM code, when the stream was reset (by either side) or the connection went. */
  reset: number | null;
}

export type State = "open" | "remoteClosed" | "closed";

/** Data queued on a stream past which a writer is asked to wait. */
export const BACKLOG_HIGH_WATER = 64 * 1024;

/** One request stream: its headers, data in, response out. */
export class H2Stream {
  /** Data from the client; call {@link consume} once it is processed to let more come. */
  onData: (chunk: Uint8Array) => void = () => {};
  /** The client finished sending (END_STREAM). */
  onEnd: () => void = () => {};
  /** The stream is over, for whatever reason; called once. */
  onClose: (why: StreamClose) => void = () => {};
  /** The backlog went back under {@link BACKLOG_HIGH_WATER} after a write said to wait. */
  onDrain: () => void = () => {};
  /** A write said to wait and the backlog has not drained since. */
  waiting = false;

  state: State = "open";
  sendWindow: number;
  recvWindow: number;
  /** Bytes consumed but not yet given back to the client as window. */
  released = 0;
  backlog: Uint8Array[] = [];
  backlogBytes = 0;
  /** Trailers to send once the backlog is out (null: end with an empty DATA). */
  finish: HeaderList | null | undefined = undefined;
  responded = false;

  constructor(
    readonly conn: H2Connection,
    readonly id: number,
    readonly headers: HeaderList,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
  }

  /** The first value of header `name`. */
  header(name: string): string | undefined {
    for (const [n, v] of this.headers) if (n === name) return v;
    return undefined;
  }

  get closed(): boolean {
    return this.state === "closed";
  }

  /** Sends the response headers; `end` makes them the whole response. */
  respond(headers: HeaderList, end = false): void {
    this.conn.respond(this, headers, end);
  }

  /**
   * Queues data; flow control decides when it leaves. False when the client
   * is behind: wait for {@link onDrain} before writing more.
   */
  write(data: Uint8Array): boolean {
    this.conn.writeData(this, data);
    if (this.backlogBytes < BACKLOG_HIGH_WATER) return true;
    this.waiting = true;
    return false;
  }

  /** Ends the response after the data queued, with trailers if given. */
  end(trailers?: HeaderList): void {
    this.conn.endStream(this, trailers ?? null);
  }

  /** Abandons the stream (RST_STREAM). */
  reset(code: number = ErrorCode.CANCEL): void {
    this.conn.resetStream(this, code, true);
  }

  /** Gives back `n` bytes of window once the data is processed. */
  consume(n: number): void {
    this.conn.consume(this, n);
  }
}
