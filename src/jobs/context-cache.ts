/**
 * Per-worker cache of prepared contexts (e.g. a target's analysis), keyed by id: a task message carries
 * the context's id and its raw data (cheap when in a SharedArrayBuffer); the worker prepares it on first
 * sight and reuses it for every later batch. Small LRU, so a long-lived pool does not grow without bound.
 */
export class ContextCache<T> {
  private readonly entries = new Map<string, T>();
  /** How many times `prepare` ran (for tests and diagnostics). */
  prepared = 0;

  constructor(private readonly capacity = 4) {}

  get(id: string, prepare: () => T): T {
    const hit = this.entries.get(id);
    if (hit !== undefined) {
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit;
    }
    const value = prepare();
    this.prepared++;
    this.entries.set(id, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}
