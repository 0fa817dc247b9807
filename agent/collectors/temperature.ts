/**
 * Temperatures from hwmon (/sys/class/hwmon/hwmon*\/temp*_input, in
 * millidegrees). Most VMs and containers have none: that is not an error.
 */
import { listDir, readOptional } from "./proc.ts";
import { defineCollector } from "./registry.ts";

/** Reads every hwmon temperature under `sysRoot`, named `chip[_label]`. */
export async function readHwmon(
  sysRoot: string,
): Promise<Array<{ sensor: string; celsius: number }>> {
  const out: Array<{ sensor: string; celsius: number }> = [];
  for (const hw of await listDir(sysRoot, "class/hwmon")) {
    const chip = (await readOptional(sysRoot, "class/hwmon", hw, "name"))?.trim() || hw;
    for (const file of await listDir(sysRoot, "class/hwmon", hw)) {
      const m = /^temp(\d+)_input$/.exec(file);
      if (!m) continue;
      const raw = await readOptional(sysRoot, "class/hwmon", hw, file).catch(() => null);
      const milli = Number(raw?.trim());
      if (raw === null || !Number.isFinite(milli)) continue; // sensor present but not readable
      const label = (await readOptional(sysRoot, "class/hwmon", hw, `temp${m[1]}_label`))?.trim();
      out.push({ sensor: `${chip}_${label || `temp${m[1]}`}`, celsius: milli / 1000 });
    }
  }
  return out;
}

/** The temperature collector. */
defineCollector({
  name: "temperature",
  os: "linux",
  // A container sees either no sensors or the host's: neither is its own.
  enabled: (env) => env !== "container",
  init: () => async (ctx, out) => {
    out.temperatures.push(...await readHwmon(ctx.sysRoot));
  },
});
