/**
 * What the domains' conformance suites (hosts/conformance.ts, …) share: the
 * test registrar's type, fixtures, readers.
 */
import type { Store } from "./store.ts";
import type { Channel } from "./notifications/types.ts";
import type { RangeQuery, StoredBatch } from "./metrics/types.ts";
import type { TierName } from "./tiers.ts";

/** Opens an empty, migrated store and says how to dispose of it. */
export type OpenStore = () => Promise<{ store: Store; dispose: () => Promise<void> }>;

/** Registers one test on a fresh store of the backend under way. */
export type StoreTest = (name: string, fn: (s: Store) => Promise<void>) => void;

/** A batch with a CPU value and one filesystem's usage. */
export const batch = (seq: number, ts: number, cpu: number): StoredBatch => ({
  seq,
  ts,
  points: [{ metric: "cpu_percent", label: "", value: cpu }, {
    metric: "fs_used_bytes",
    label: "/",
    value: 10,
  }],
  latest: { cpu_percent: cpu },
});

/** Adds a host and registers it, as its agent would. */
export async function host(s: Store, id = "h1", name: string | null = `name-${id}`) {
  const tokenHash = `t-${id}-${crypto.randomUUID()}`;
  await s.hosts.create({ hostId: id, name, tokenHash, createdAt: 0, expiresAt: 10_000 });
  const out = await s.hosts.register(tokenHash, { fallbackName: "x", now: 1 });
  if (!out.ok) throw new Error(out.reason);
}

/** [bucket, avg] pairs of one host's series, as older tests read them. */
export async function avgs(
  s: Store,
  hostId: string,
  metric: string,
  label: string,
  from: number,
  to: number,
  stepMs: number,
  tier: TierName = "raw",
): Promise<Array<[number, number]>> {
  const rows = await s.metrics.queryRange({
    hostIds: [hostId],
    metric,
    label,
    tier,
    from,
    to,
    stepMs,
  });
  return rows.map((r) => [r.t, r.avg]);
}

/** Buckets without the host id, values rounded off floating-point noise. */
export async function buckets(s: Store, q: Omit<RangeQuery, "hostIds">, hostId = "h1") {
  const round = (v: number) => Math.round(v * 1e9) / 1e9;
  return (await s.metrics.queryRange({ ...q, hostIds: [hostId] })).map((r) => ({
    t: r.t,
    n: r.n,
    avg: round(r.avg),
    min: r.min,
    max: r.max,
  }));
}

/** A day of 30 s batches with a wandering value, seqs from `firstSeq`. */
export function dayOfBatches(firstSeq: number, from: number, count = 2880): StoredBatch[] {
  return Array.from({ length: count }, (_, i) => {
    const v = Math.round(50 + 40 * Math.sin(i / 37) + (i % 7));
    return batch(firstSeq + i, from + i * 30_000, v);
  });
}

/** A notification channel as the store keeps it (no secrets sealed: tests of the store alone). */
export function channel(id: string, over: Partial<Channel> = {}): Channel {
  return {
    id,
    name: `channel ${id}`,
    type: "webhook",
    config: {},
    secret: null,
    filters: {},
    template: null,
    enabled: true,
    created_at: 1,
    updated_at: 1,
    ...over,
  };
}
