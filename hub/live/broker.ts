/**
 * The SSE broker: fans each live event out to every browser subscribed to
 * the fleet or to that host; log lines only to those that ask (a live tail).
 * A fleet-wide subscriber that falls behind gets each host's newest event; a
 * one-host subscriber that falls too far behind, or any holding too many
 * bytes of log lines, is cut off rather than allowed to hold memory, and its
 * browser reconnects.
 */

import type { LiveEvent } from "../../lib/live_events.ts";

/** Events a one-host subscriber may have waiting before it is dropped. */
const MAX_BACKLOG = 1000;
/**
 * Bytes of log lines any subscriber may have waiting before it is dropped: a
 * batch's live lines are up to about 100 KB, so a thousand of them waiting
 * would be 100 MB held for one slow browser.
 */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

/** About what an event holds, counted for log lines only (every other event is small). */
function weight(e: LiveEvent): number {
  if (e.event !== "log.lines") return 0;
  let n = 0;
  for (const l of e.data.lines) n += l.message.length + l.origin.length + 100;
  return n;
}

/**
 * What a subscriber has waiting. A one-host subscriber (a host page, whose
 * charts take every point) gets every event in order. A fleet-wide one (the
 * fleet table, which shows each host's newest state) keeps only the newest
 * event of each kind per host, in the order hosts first had one waiting: on
 * a big fleet a browser that reads slower than events come still sees every
 * host's latest figures, with memory bounded by the fleet, not by the rate.
 * An alert's events are kept per alert (two alerts of one host are two rows
 * on a page), so that bound is the fleet's hosts plus its open alerts.
 */
/** What a newer event replaces in a fleet-wide subscriber's backlog. */
function coalesceKey(e: LiveEvent): string {
  return isAlertEvent(e) ? `${e.event}\0${e.data.id}` : `${e.event}\0${e.hostId}`;
}

/**
 * Alert events reach every subscriber, one-host ones too: they are rare, and
 * every page counts the fleet's firing alerts in its navigation.
 */
function isAlertEvent(e: LiveEvent): e is Extract<LiveEvent, { event: `alert.${string}` }> {
  return e.event.startsWith("alert.");
}

class Pending {
  #queue: LiveEvent[] = [];
  #latest = new Map<string, LiveEvent>();
  #bytes = 0;

  constructor(readonly coalesce: boolean) {}

  get size(): number {
    return this.coalesce ? this.#latest.size : this.#queue.length;
  }

  /**
   * Whether the subscriber is too far behind to keep: an ordered queue past
   * its length, or either kind past its bytes of log lines.
   */
  get full(): boolean {
    return this.#bytes >= MAX_BACKLOG_BYTES ||
      (!this.coalesce && this.#queue.length >= MAX_BACKLOG);
  }

  add(e: LiveEvent): void {
    this.#bytes += weight(e);
    if (!this.coalesce) return void this.#queue.push(e);
    const key = coalesceKey(e);
    const replaced = this.#latest.get(key);
    if (replaced) this.#bytes -= weight(replaced);
    this.#latest.set(key, e);
  }

  /** Drops everything waiting (the subscriber is cut off). */
  clear(): void {
    this.#queue = [];
    this.#latest.clear();
    this.#bytes = 0;
  }

  take(): LiveEvent | undefined {
    const e = this.coalesce ? this.#first() : this.#queue.shift();
    if (e) this.#bytes -= weight(e);
    return e;
  }

  #first(): LiveEvent | undefined {
    for (const [key, e] of this.#latest) {
      this.#latest.delete(key);
      return e;
    }
    return undefined;
  }
}

/** What a subscriber asks for beside its scope. */
export interface SubscribeOptions {
  /** Log lines (`log.lines`): only a live tail asks, they are most of the traffic. */
  logs?: boolean;
}

interface Subscriber {
  hostId: string | null;
  logs: boolean;
  close: () => void;
  push: (e: LiveEvent) => void;
  full: () => boolean;
  cutOff: () => void;
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
   * Subscribes to every event (hostId null) or one host's (and every alert
   * event, see {@link isAlertEvent}); returns an async
   * iterator of events and a function that ends the subscription.
   */
  subscribe(
    hostId: string | null,
    opts: SubscribeOptions = {},
  ): { events: AsyncIterableIterator<LiveEvent & { id: number }>; close: () => void } {
    const pending = new Pending(hostId === null);
    let wake: (() => void) | null = null;
    let closed = false;
    const sub: Subscriber = {
      hostId,
      logs: opts.logs ?? false,
      push: (e) => {
        pending.add(e);
        wake?.();
      },
      close: () => close(),
      full: () => pending.full,
      cutOff: () => {
        // What it had waiting is dropped with it: its browser reconnects and starts afresh.
        pending.clear();
        close();
      },
    };
    const close = () => {
      closed = true;
      this.#subs.delete(sub);
      wake?.();
    };
    this.#subs.add(sub);
    const nextId = () => this.#nextId++;
    const events: AsyncIterableIterator<LiveEvent & { id: number }> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (pending.size === 0 && !closed) {
          await new Promise<void>((r) => (wake = r));
          wake = null;
        }
        const e = pending.take();
        // Numbered as delivered, so ids rise on the wire whatever was merged.
        if (e) return { value: { ...e, id: nextId() }, done: false };
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
      if (s.hostId !== null && s.hostId !== e.hostId && !isAlertEvent(e)) continue;
      if (e.event === "log.lines" && !s.logs) continue;
      if (s.full()) s.cutOff();
      else s.push(e);
    }
  }
}
