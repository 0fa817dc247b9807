/**
 * Usage of every real mounted filesystem: the mount table from
 * /proc/self/mounts, sizes from statfs(2). Pseudo filesystems and bind mounts
 * of a device already counted are skipped.
 */
import { statfs } from "node:fs/promises";
import { fromProcFile } from "./proc.ts";
import type { FsStats } from "./types.ts";
import { defineCollector } from "./registry.ts";

/** One line of the mount table. */
export interface Mount {
  device: string;
  mount: string;
  fstype: string;
}

const PSEUDO_FS = new Set([
  "autofs",
  "binfmt_misc",
  "bpf",
  "cgroup",
  "cgroup2",
  "configfs",
  "debugfs",
  "devpts",
  "devtmpfs",
  "efivarfs",
  "fusectl",
  "fuse.lxcfs",
  "hugetlbfs",
  "mqueue",
  "nsfs",
  "proc",
  "pstore",
  "ramfs",
  "rpc_pipefs",
  "securityfs",
  "selinuxfs",
  "squashfs",
  "sysfs",
  "tmpfs",
  "tracefs",
  "nfsd",
  "fuse.gvfsd-fuse",
  "fuse.portal",
  "erofs",
  "iso9660",
]);
const PSEUDO_MOUNT =
  /^\/(dev|proc|sys|run\/credentials|var\/lib\/docker\/.+|var\/lib\/containers\/.+|snap)(\/|$)/;

/** Decodes the octal escapes the kernel writes for spaces and tabs (`\040`). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses the mount table, keeping real filesystems once per device. */
export function parseMounts(text: string): Mount[] {
  const seen = new Set<string>();
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    const [device, mountRaw, fstype] = line.split(" ");
    if (!fstype) continue;
    const mount = unescape(mountRaw);
    // A container's root is an overlay: the one overlay worth showing.
    if (fstype === "overlay" ? mount !== "/" : PSEUDO_FS.has(fstype)) continue;
    if (PSEUDO_MOUNT.test(mount)) continue;
    const key = device.startsWith("/dev/") ? device : `${device}:${mount}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ device: unescape(device), mount, fstype });
  }
  return out;
}

const STATFS_TIMEOUT_MS = 2000;

/** The filesystem collector. A mount that does not answer (dead NFS) is reported, not waited on. */
defineCollector({
  name: "filesystem",
  os: "linux",
  init: () =>
    fromProcFile("self/mounts", async (text, _ctx, out) => {
      const results = await Promise.all(
        parseMounts(text).map(async (m): Promise<FsStats | string> => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          try {
            const s = await Promise.race([
              statfs(m.mount),
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new Error("statfs timed out")), STATFS_TIMEOUT_MS);
              }),
            ]);
            // f_blocks are in units of f_frsize; df and the kernel agree on this.
            const unit = (s as unknown as { frsize?: number }).frsize || s.bsize;
            return {
              mount: m.mount,
              device: m.device,
              fstype: m.fstype,
              sizeBytes: s.blocks * unit,
              usedBytes: (s.blocks - s.bfree) * unit,
              availBytes: s.bavail * unit,
            };
          } catch (err) {
            return `${m.mount}: ${(err as Error).message}`;
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      for (const r of results) {
        if (typeof r === "string") out.errors.push({ collector: "filesystem", message: r });
        else if (r.sizeBytes > 0) out.filesystems.push(r);
      }
    }),
});
