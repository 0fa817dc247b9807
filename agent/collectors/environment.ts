/**
 * Is this host a container, a VM or a physical machine? Decides which
 * collectors apply: a container sees the host's sensors or none at all.
 */
import { join } from "node:path";
import { readOptional } from "./proc.ts";

/** Where the agent runs. */
export type Environment = "container" | "vm" | "physical" | "unknown";

const CONTAINER_CGROUP = /(docker|kubepods|containerd|libpod|lxc|garden)/;
const VM_VENDOR =
  /(QEMU|KVM|VMware|VirtualBox|innotek|Xen|Microsoft Corporation|Amazon EC2|Google|DigitalOcean|Hetzner|OpenStack|Parallels|bhyve)/i;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Detects the environment from marker files, cgroups, CPU flags and DMI. */
export async function detectEnvironment(
  roots: { root: string; procRoot: string; sysRoot: string },
): Promise<Environment> {
  if (
    await exists(join(roots.root, ".dockerenv")) ||
    await exists(join(roots.root, "run/.containerenv"))
  ) {
    return "container";
  }
  const cgroup = await readOptional(roots.procRoot, "1/cgroup").catch(() => null);
  if (cgroup && CONTAINER_CGROUP.test(cgroup)) return "container";
  const environ = await readOptional(roots.procRoot, "1/environ").catch(() => null);
  if (environ?.split("\0").some((v) => v.startsWith("container="))) return "container";

  const vendor = [
    await readOptional(roots.sysRoot, "class/dmi/id/sys_vendor").catch(() => null),
    await readOptional(roots.sysRoot, "class/dmi/id/product_name").catch(() => null),
  ].join(" ");
  if (VM_VENDOR.test(vendor)) return "vm";
  const cpuinfo = await readOptional(roots.procRoot, "cpuinfo").catch(() => null);
  if (cpuinfo && /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo)) return "vm";
  return cpuinfo ? "physical" : "unknown";
}
