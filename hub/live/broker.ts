/**
 * The SSE broker: fans each live event out to every browser subscribed to
 * the fleet or to that host. A subscriber that falls too far behind is cut
 * off rather than allowed to hold memory; its browser reconnects.
 */

/** An event as browsers receive it. */
export interface LiveEvent {
  event: "host.status" | "host.metrics";
  hostId: string;
  data: Record<string, unknown>;
}

/** Events a subscriber may have waiting before it is dropped. */
const MAX_BACKLOG = 1000;

interface Subscriber {
  hostId: string | null;
  close: () => void;
  push: (e: LiveEvent) => void;
  overflow: () => void;
  backlog: () => number;
}

/** Delivers live events to subscribers; one per hub process. */
export class Broker {
  #subs = new Set<Subscriber>();
  #nextId = 1;

  /** How many subscribers are attached (for tests and metrics). */
  get size(): number {
    return this.#subs.size;
  }

  /**
   * Subscribes to every event (hostId null) or one host's; returns an async
   * iterator of events and a function that ends the subscription.
   */
  subscribe(
    hostId: string | null,
  ): { events: AsyncIterableIterator<LiveEvent & { id: number }>; close: () => void } {
    const queue: Array<LiveEvent & { id: number }> = [];
    let wake: (() => void) | null = null;
    let closed = false;
    const sub: Subscriber = {
      hostId,
      push: (e) => {
        queue.push({ ...e, id: this.#nextId++ });
        wake?.();
      },
      overflow: () => close(),
      close: () => close(),
      backlog: () => queue.length,
    };
    const close = () => {
      closed = true;
      this.#subs.delete(sub);
      wake?.();
    };
    this.#subs.add(sub);
    const events: AsyncIterableIterator<LiveEvent & { id: number }> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (queue.length === 0 && !closed) {
          await new Promise<void>((r) => (wake = r));
          wake = null;
        }
        if (queue.length > 0) return { value: queue.shift()!, done: false };
        return { value: undefined, done: true };
      },
      return() {
        close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
    return { events, close };
  }

  /** Ends every subscription, so open SSE responses finish (on shutdown). */
  closeAll(): void {
    for (const s of this.#subs) s.close();
  }

  /** Sends `e` to every subscriber it concerns. */
  publish(e: LiveEvent): void {
    for (const s of this.#subs) {
      if (s.hostId !== null && s.hostId !== e.hostId) continue;
      if (s.backlog() >= MAX_BACKLOG) s.overflow();
      else s.push(e);
    }
  }
}
