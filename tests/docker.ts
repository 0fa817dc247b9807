/**
 * Real containers for tests: the one test image, built FROM scratch from
 * Debian's static busybox (no registry is reachable), and containers that a
 * test names with its own prefix and removes when it ends.
 */

export const TEST_IMAGE = "sightline-test-busybox:1";

/** Runs the docker CLI; its stdout, or throws with its stderr. */
export async function docker(...args: string[]): Promise<string> {
  const out = await new Deno.Command("docker", { args, stdin: "null" }).output();
  const dec = new TextDecoder();
  if (out.code !== 0) throw new Error(`docker ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout).trim();
}

/** Whether a Docker daemon answers here. */
export async function dockerRunning(): Promise<boolean> {
  try {
    await docker("version", "--format", "{{.Server.Version}}");
    return true;
  } catch {
    return false;
  }
}

/** Builds {@link TEST_IMAGE} unless it is there (the same bytes whoever builds it). */
export async function testImage(): Promise<string> {
  const has = await docker("images", "-q", TEST_IMAGE);
  if (has) return TEST_IMAGE;
  const dir = await Deno.makeTempDir({ prefix: "sightline-image-" });
  try {
    await Deno.copyFile("/bin/busybox", `${dir}/busybox`);
    await Deno.writeTextFile(
      `${dir}/Dockerfile`,
      'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox"]\n',
    );
    await docker("build", "-q", "-t", TEST_IMAGE, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return TEST_IMAGE;
}

/**
 * Starts a container named `name` that runs until stopped and stops at once
 * on SIGTERM (a shell as pid 1 ignores it without a trap, so every stop would
 * wait out Docker's 10 s).
 */
export async function runContainer(name: string, labels: Record<string, string> = {}) {
  await docker(
    "run",
    "-d",
    "--name",
    name,
    ...Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
    await testImage(),
    "sh",
    "-c",
    'trap "exit 0" TERM; while true; do sleep 0.2; done',
  );
}

/** When the container last started (Docker's StartedAt). */
export function startedAt(name: string): Promise<string> {
  return docker("inspect", "-f", "{{.State.StartedAt}}", name);
}

/** Removes containers, whatever state they are in. */
export async function removeContainers(...names: string[]): Promise<void> {
  if (names.length) await docker("rm", "-f", ...names).catch(() => {});
}
