/**
 * Makes real journal files for the journal tests: entries in journal export
 * format piped to systemd-journal-remote (Debian's systemd-journal-remote
 * package), which writes files `journalctl --directory` reads. Made when the
 * test runs, not committed: each file is 8 MiB of preallocated arena.
 * Entry i says "journal line i"; entry 9 is multi-valued, entry 7's message
 * is binary.
 */
const BOOT = "0123456789abcdef0123456789abcdef";
const T0 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z in µs
const enc = new TextEncoder();

function binaryField(name: string, data: Uint8Array): Uint8Array {
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(data.length), true);
  return concat([enc.encode(`${name}\n`), len, data, enc.encode("\n")]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function entry(i: number): Uint8Array {
  const unit = i % 2 ? "app.service" : "other.service";
  const priority = [3, 4, 6, 7][i % 4];
  const parts: Uint8Array[] = [
    enc.encode(
      `__REALTIME_TIMESTAMP=${T0 + i * 1_000_000}\n__MONOTONIC_TIMESTAMP=${i * 1_000_000}\n` +
        `_BOOT_ID=${BOOT}\n_SYSTEMD_UNIT=${unit}\nPRIORITY=${priority}\n`,
    ),
  ];
  if (i === 7) {
    // Not UTF-8: journalctl's JSON gives it as an array of byte values.
    parts.push(
      binaryField("MESSAGE", new Uint8Array([...enc.encode("journal line 7 "), 0xff, 0xfe])),
    );
  } else {
    parts.push(enc.encode(`MESSAGE=journal line ${i}\n`));
  }
  // A field given twice is multi-valued: an array in the JSON.
  if (i === 9) parts.push(enc.encode(`MESSAGE=second value\n`));
  parts.push(enc.encode("\n"));
  return concat(parts);
}

/** Where systemd-journal-remote is, or null when it is not installed. */
export const JOURNAL_REMOTE =
  ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
    .find((p) => {
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    }) ?? null;

/** Writes entries `from`..`to` as the journal file `path`. */
export async function makeJournal(path: string, from: number, to: number): Promise<void> {
  const p = new Deno.Command(JOURNAL_REMOTE!, {
    args: [`--output=${path}`, "-"],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const w = p.stdin.getWriter();
  for (let i = from; i <= to; i++) await w.write(entry(i));
  await w.close();
  const { code } = await p.status;
  if (code !== 0) throw new Error(`systemd-journal-remote exited ${code}`);
}
