/** Row conversions both dialects' metrics stores share. */
import type { Row } from "../sql.ts";
import type { RangeRow } from "./types.ts";

/** A bucket row of a range query (host_id, t, n, avg, min, max). */
export function toRangeRow(r: Row): RangeRow {
  return {
    hostId: String(r.host_id),
    t: Number(r.t),
    n: Number(r.n),
    avg: Number(r.avg),
    min: Number(r.min),
    max: Number(r.max),
  };
}
