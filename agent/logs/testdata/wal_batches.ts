/** The log batches in a WAL, oldest first (for the log tests). */
import {
  decodeAgentMessage,
  type LogBatch,
} from "../../../proto/gen/sightline/agent/v1/agent_lean.ts";
import type { Wal } from "../../wal.ts";

export async function batches(wal: Wal): Promise<LogBatch[]> {
  const out: LogBatch[] = [];
  for await (const e of wal.entries()) {
    const m = decodeAgentMessage(e.data);
    if (m.kind.case === "logs") out.push(m.kind.value);
  }
  return out;
}
