/** Running the macOS tools the darwin collectors read (sysctl, vm_stat, df, netstat, top). */

/** Runs `cmd args…` and returns its stdout; throws with its stderr when it fails. */
export async function run(cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().slice(0, 200);
    throw new Error(`${cmd} exited with ${out.code}${err ? `: ${err}` : ""}`);
  }
  return new TextDecoder().decode(out.stdout);
}
