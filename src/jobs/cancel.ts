/**
 * A cancellation flag shared between the main thread and workers (a SharedArrayBuffer), so a task can stop
 * between two renders without its worker being terminated. Usable in workers and the browser alike.
 */
export type CancelFlag = Int32Array;

export function createCancelFlag(): CancelFlag {
  return new Int32Array(new SharedArrayBuffer(4));
}

export function cancel(flag: CancelFlag): void {
  Atomics.store(flag, 0, 1);
}

export function isCancelled(flag: CancelFlag | undefined): boolean {
  return flag !== undefined && Atomics.load(flag, 0) !== 0;
}

/** A flag that is set when `signal` aborts (and already set if it has). */
export function cancelFlagFor(signal: AbortSignal | undefined): CancelFlag {
  const flag = createCancelFlag();
  if (signal) {
    if (signal.aborted) cancel(flag);
    else signal.addEventListener("abort", () => cancel(flag), { once: true });
  }
  return flag;
}
