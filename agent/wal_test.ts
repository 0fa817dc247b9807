import { assertEquals } from "../lib/assert.ts";
import { Wal } from "./wal.ts";

async function withWal(maxBytes: number, fn: (wal: Wal, path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const wal = await Wal.open(`${dir}/wal.kv`, maxBytes);
  try {
    await fn(wal, `${dir}/wal.kv`);
  } finally {
    wal.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);
const all = async (wal: Wal, after = 0) => {
  const out = [];
  for await (const e of wal.entries(after)) out.push(e);
  return out;
};

Deno.test("Wal.append() numbers batches from 1 and entries() returns them in order", async () => {
  await withWal(1 << 20, async (wal) => {
    const seqs = [];
    for (let i = 0; i < 12; i++) seqs.push(await wal.append((seq) => bytes(10, seq)));
    assertEquals(seqs, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const entries = await all(wal);
    assertEquals(entries.map((e) => e.seq), seqs);
    assertEquals(entries[4].data, bytes(10, 5));
    assertEquals((await all(wal, 10)).map((e) => e.seq), [11, 12]);
    assertEquals(await wal.pending(), 12);
  });
});

Deno.test("Wal.ack() deletes through the acknowledged seq and nothing after", async () => {
  await withWal(1 << 20, async (wal) => {
    for (let i = 0; i < 5; i++) await wal.append(() => bytes(100));
    await wal.ack(3);
    assertEquals((await all(wal)).map((e) => e.seq), [4, 5]);
    assertEquals(await wal.pending(), 2);
    assertEquals(await wal.bytes(), 200);
    await wal.ack(3); // a repeated ack changes nothing
    assertEquals(await wal.pending(), 2);
  });
});

Deno.test("Wal keeps its batches and sequence across a restart", async () => {
  const dir = await Deno.makeTempDir();
  let wal = await Wal.open(`${dir}/wal.kv`);
  await wal.append(() => bytes(5));
  await wal.append(() => bytes(5));
  await wal.ack(1);
  wal.close();
  wal = await Wal.open(`${dir}/wal.kv`);
  assertEquals((await all(wal)).map((e) => e.seq), [2]);
  assertEquals(await wal.append(() => bytes(5)), 3);
  wal.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Wal drops the oldest batches past its bound and counts them", async () => {
  await withWal(1000, async (wal) => {
    for (let i = 0; i < 15; i++) await wal.append(() => bytes(100));
    assertEquals(await wal.bytes(), 1000);
    assertEquals(await wal.dropped(), 5);
    assertEquals((await all(wal)).map((e) => e.seq), [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });
});

Deno.test("Wal stores a batch larger than one KV value in chunks", async () => {
  await withWal(1 << 20, async (wal) => {
    const big = new Uint8Array(150_000).map((_, i) => i % 251);
    await wal.append(() => big);
    await wal.append(() => bytes(3));
    const [a, b] = await all(wal);
    assertEquals(a.data, big);
    assertEquals(b.seq, 2);
    await wal.ack(1);
    assertEquals(await wal.bytes(), 3);
  });
});

Deno.test("Wal serialises concurrent appends and acks without losing count", async () => {
  await withWal(1 << 20, async (wal) => {
    await Promise.all(Array.from({ length: 20 }, () => wal.append(() => bytes(10))));
    await Promise.all([wal.ack(5), wal.ack(10), wal.append(() => bytes(10))]);
    assertEquals(await wal.pending(), 11);
    assertEquals(await wal.bytes(), 110);
  });
});

Deno.test("Wal.advanceTo() moves the sequence forward, never back", async () => {
  await withWal(1 << 20, async (wal) => {
    await wal.append(() => bytes(1));
    await wal.advanceTo(100);
    assertEquals(await wal.append(() => bytes(1)), 100);
    await wal.advanceTo(50);
    assertEquals(await wal.nextSeq(), 101);
  });
});

Deno.test("Wal.claim() keeps a log for its own identity and discards one kept under another", async () => {
  await withWal(1 << 20, async (wal) => {
    // A log from before owners: it is taken as the current identity's.
    for (let i = 0; i < 3; i++) await wal.append(() => bytes(10));
    assertEquals(await wal.claim("host-a"), 0);
    assertEquals(await wal.pending(), 3);
    assertEquals(await wal.claim("host-a"), 0);
    // Registered again as another host: nothing collected for host-a may reach it.
    assertEquals(await wal.claim("host-b"), 3);
    assertEquals([await wal.pending(), await wal.bytes(), (await all(wal)).length], [0, 0, 0]);
    assertEquals(await wal.append(() => bytes(10)), 1, "numbering starts again");
    assertEquals(await wal.dropped(), 0);
  });
});
