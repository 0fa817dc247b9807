/**
 * The series ids one connection has looked up, by host, metric and label:
 * ingest writes the same ~60 series of a host every batch, and a lookup per
 * point would double the cost of a write. Shared by the connection's metrics
 * store (which fills it) and hosts store (whose removals empty it).
 */
export class SeriesIds {
  #ids = new Map<string, number>();

  static key(hostId: string, metric: string, label: string): string {
    return `${hostId}\0${metric}\0${label}`;
  }

  get(key: string): number | undefined {
    return this.#ids.get(key);
  }

  has(key: string): boolean {
    return this.#ids.has(key);
  }

  set(key: string, id: number): void {
    this.#ids.set(key, id);
  }

  /** Forgets every series of a host (removed, here or by another connection). */
  forgetHost(hostId: string): void {
    for (const key of this.#ids.keys()) {
      if (key.startsWith(`${hostId}\0`)) this.#ids.delete(key);
    }
  }

  /** Forgets everything (a failed transaction may have rolled back rows it held). */
  clear(): void {
    this.#ids.clear();
  }
}
