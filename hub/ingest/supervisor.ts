/**
 * Runs the ingest process (hub/ingest/main.ts) and keeps it running: events
 * it prints go to `onEvent`; if it dies, or stops answering pings (Deno's
 * node:http2 has been seen to spin after some client resets), it is started
 * again on the same port after a short, growing pause. Agents reconnect on
 * their own and replay their WALs.
 */
import { fileURLToPath } from "node:url";
import type { Logger } from "../../lib/log.ts";
import { readLines } from "../../lib/ndjson.ts";
import type { FromIngest, ToIngest } from "../messages.ts";

const ROOT = new URL("../../", import.meta.url);
const ENTRY = fileURLToPath(new URL("hub/ingest/main.ts", ROOT));
const CONFIG = fileURLToPath(new URL("deno.json", ROOT));
/** How often the ingest process is pinged, and how long it may take to answer. */
const PING_EVERY_MS = 5000;
const PONG_WITHIN_MS = 15_000;

/** The running ingest process. */
export interface Ingest {
  grpcPort: number;
  send(cmd: ToIngest): void;
  shutdown(): Promise<void>;
}

/**
 * Starts the ingest process and resolves once it listens; rejects with its
 * reason when the first start fails (a bad certificate, a port in use…).
 */
export function startIngest(
  env: Record<string, string>,
  grpcHost: string,
  onEvent: (e: FromIngest) => void,
  log: Logger,
): Promise<Ingest> {
  let child: Deno.ChildProcess | null = null;
  let writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  let stopping = false;
  let port = 0;
  let restarts = 0;
  let lastStart = 0;
  const encoder = new TextEncoder();

  const spawn = (grpcAddr: string | undefined) =>
    new Promise<number>((resolve, reject) => {
      lastStart = Date.now();
      const proc = new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", "--config", CONFIG, ENTRY],
        env: grpcAddr ? { ...env, SIGHTLINE_GRPC_ADDR: grpcAddr } : env,
        stdin: "piped",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      child = proc;
      writer = proc.stdin.getWriter();
      log.info("Ingest process started", { pid: proc.pid });
      let ready = false;
      let lastPong = Date.now();
      let n = 0;
      const watchdog = setInterval(() => {
        if (!ready || stopping) return;
        if (Date.now() - lastPong > PONG_WITHIN_MS) {
          log.error("Ingest process stopped answering; killing it", { pid: proc.pid });
          clearInterval(watchdog);
          try {
            proc.kill("SIGKILL");
          } catch { /* already gone */ }
          return;
        }
        writer?.write(
          encoder.encode(JSON.stringify({ type: "ping", n: ++n } satisfies ToIngest) + "\n"),
        )
          .catch(() => {});
      }, PING_EVERY_MS);
      (async () => {
        for await (const line of readLines(proc.stdout)) {
          let e: FromIngest;
          try {
            e = JSON.parse(line);
          } catch {
            continue;
          }
          if (e.type === "pong") lastPong = Date.now();
          else if (e.type === "ready" && !ready) {
            ready = true;
            log.info("Ingest process ready", { pid: proc.pid, grpc_port: e.grpcPort });
            resolve(e.grpcPort);
          } else if (e.type === "failed" && !ready) reject(new Error(e.message));
          onEvent(e);
        }
      })();
      proc.status.then((status) => {
        clearInterval(watchdog);
        if (!ready) {
          reject(new Error(`Ingest process exited before it was ready (code ${status.code})`));
        }
        if (stopping || child !== proc) return;
        // Crashing again soon after a start: wait longer each time, up to 10 s.
        restarts = Date.now() - lastStart < 60_000 ? restarts + 1 : 0;
        const delay = Math.min(10_000, 250 * 2 ** restarts);
        log.error("Ingest process died; restarting", {
          pid: proc.pid,
          code: status.code,
          signal: status.signal ?? undefined,
          in_ms: delay,
        });
        onEvent({ type: "stopped" });
        setTimeout(() => {
          if (stopping) return;
          const addr = grpcHost.includes(":") ? `[${grpcHost}]:${port}` : `${grpcHost}:${port}`;
          spawn(addr).catch((err) => log.error("Cannot restart ingest process", { error: err }));
        }, delay);
      });
    });

  return spawn(undefined).then((p) => {
    port = p;
    return {
      grpcPort: p,
      send(cmd: ToIngest) {
        writer?.write(encoder.encode(JSON.stringify(cmd) + "\n")).catch(() => {});
      },
      async shutdown() {
        stopping = true;
        const proc = child as Deno.ChildProcess | null;
        if (!proc) return;
        await writer?.write(
          encoder.encode(JSON.stringify({ type: "shutdown" } satisfies ToIngest) + "\n"),
        )
          .catch(() => {});
        const timer = setTimeout(() => {
          try {
            proc.kill("SIGKILL");
          } catch { /* already gone */ }
        }, 5000);
        await proc.status;
        clearTimeout(timer);
      },
    };
  });
}
