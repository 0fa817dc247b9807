/**
 * Real containers for tests: the docker CLI against the daemon `.ci/run`
 * starts, and a local image built FROM scratch with Debian's static busybox
 * (no registry is reachable here), `sightline-test-busybox:1`, built once per
 * run. Where there is no daemon a docker test is ignored with a message that
 * says why, never passed in silence.
 *
 * Name every container a test makes with a prefix of its own
 * (`sl-test-<area>-`) and remove it with {@link removeContainers}.
 */
import { join } from "node:path";

export const TEST_IMAGE = "sightline-test-busybox:1";
/** The daemon's socket, for the agents of the tests that run containers (DOCKER_HOST). */
export const DOCKER_SOCKET = "unix:///var/run/docker.sock";
const BUSYBOX = "/bin/busybox";

/** Runs the docker CLI; its exit code and output. */
export async function docker(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command("docker", {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } catch (err) {
    return { code: 127, stdout: "", stderr: (err as Error).message };
  }
}

/** Like {@link docker}, throwing on a non-zero exit; the trimmed stdout. */
export async function dockerOk(...args: string[]): Promise<string> {
  const r = await docker(...args);
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Why docker tests cannot run here, or null when a daemon answers (checked once). */
function unavailable(): string | null {
  try {
    const out = new Deno.Command("docker", {
      args: ["version", "--format", "{{.Server.Version}}"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    if (out.code === 0) return null;
    return `no Docker daemon answers: ${new TextDecoder().decode(out.stderr).trim().slice(0, 200)}`;
  } catch {
    return "the docker CLI is not installed";
  }
}

let built: Promise<void> | null = null;

/** Builds {@link TEST_IMAGE} (busybox's applets as /bin/*) unless it is there. */
export function ensureTestImage(): Promise<void> {
  return built ??= (async () => {
    // Another test file of this run (or the last run) built it: the tag names its recipe.
    if ((await docker("image", "inspect", TEST_IMAGE)).code === 0) return;
    const dir = await Deno.makeTempDir({ prefix: "sightline-image-" });
    try {
      await Deno.copyFile(BUSYBOX, join(dir, "busybox"));
      await Deno.writeTextFile(
        join(dir, "Dockerfile"),
        [
          "FROM scratch",
          "COPY busybox /bin/busybox",
          'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
          'CMD ["/bin/sh"]',
        ].join("\n") + "\n",
      );
      await dockerOk("build", "-q", "-t", TEST_IMAGE, dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
}

/**
 * Starts `name` detached from the test image running `sh -c script`; its id.
 * With no network (none of the tests' containers talks to anything): a
 * container on Docker's bridge adds and removes a veth interface as it starts
 * and stops, and Chromium, in a browser test running beside it, fails what it
 * had in flight with net::ERR_NETWORK_CHANGED.
 */
export async function runContainer(
  name: string,
  script: string,
  flags: string[] = [],
): Promise<string> {
  await ensureTestImage();
  return await dockerOk(
    "run",
    "-d",
    "--name",
    name,
    "--network",
    "none",
    ...flags,
    TEST_IMAGE,
    "sh",
    "-c",
    script,
  );
}

/** Removes (forcibly) every container whose name starts with `prefix`. */
export async function removeContainers(prefix: string): Promise<void> {
  const ids = (await dockerOk("ps", "-aq", "--filter", `name=^${prefix}`)).split("\n")
    .filter(Boolean);
  if (ids.length) await dockerOk("rm", "-f", ...ids);
}

const reason = Deno.build.os === "linux" ? unavailable() : "containers are tested on Linux";
if (reason) console.warn(`Docker tests are skipped: ${reason}`);

/**
 * A test that needs a Docker daemon: ignored (with the reason printed) where
 * there is none. Removes the containers named with `prefix` before and after.
 */
export function dockerTest(name: string, prefix: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: reason !== null,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      await removeContainers(prefix);
      try {
        await fn();
      } finally {
        await removeContainers(prefix);
      }
    },
  });
}
