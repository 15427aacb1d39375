/**
 * A pool of worker threads for CPU-bound jobs (renders, losses), on piscina. Tasks are TypeScript modules
 * whose default export takes one input and returns (or resolves to) one output; the pool loads them in
 * each worker through src/jobs/worker-bootstrap.js, so it works from the CLI, from vitest and from
 * benchmarks alike. Batch work per message (many candidates per task) to amortise the message cost.
 */
import os from "node:os";
import { Piscina } from "piscina";
import { PatchsmithError } from "../errors.ts";

export interface PoolOptions {
  /** Worker threads. Default: the number of cores (os.availableParallelism()). */
  threads?: number;
}

export interface RunOptions {
  /** Buffers moved (not copied) to the worker. */
  transfer?: Transferable[];
}

export function defaultThreads(): number {
  return Math.max(
    1,
    typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length,
  );
}

const bootstrap = new URL("./worker-bootstrap.js", import.meta.url);

/** A module's location for `run`: a file URL string (e.g. `new URL("./task.ts", import.meta.url).href`). */
export type TaskModule = string | URL;

export class WorkerPool {
  readonly threads: number;
  private readonly piscina: Piscina;
  private closed = false;

  constructor(opts: PoolOptions = {}) {
    this.threads = Math.max(1, Math.floor(opts.threads ?? defaultThreads()));
    this.piscina = new Piscina({
      filename: bootstrap.href,
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: 60_000,
      // A clean Node: the bootstrap loads tsx itself; the parent's flags (`--import tsx`, `-e`, vitest's own)
      // would load it twice or are invalid in a worker.
      execArgv: [],
    });
  }

  /** Run one task in a worker. Rejects with a PatchsmithError("worker-failed") when the task throws. */
  async run<I, O>(module: TaskModule, input: I, opts: RunOptions = {}): Promise<O> {
    if (this.closed) throw new PatchsmithError("pool-closed", "the worker pool is closed");
    const href = typeof module === "string" ? module : module.href;
    try {
      return (await this.piscina.run({ module: href, input }, { transferList: opts.transfer as never })) as O;
    } catch (e) {
      if (e instanceof PatchsmithError) throw e;
      const err = e as Error;
      throw new PatchsmithError(
        "worker-failed",
        `a worker task failed: ${err?.message ?? String(e)}`,
        undefined,
        { cause: e },
      );
    }
  }

  /**
   * Start every worker and load `module` in each (by sending each one `input`), so that the first real batch
   * does not pay for module loading. Resolves when all have answered.
   */
  async warmUp<I>(module: TaskModule, input: I): Promise<void> {
    await Promise.all(Array.from({ length: this.threads }, () => this.run(module, input)));
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.piscina.queueSize;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.piscina.destroy();
  }
}

/** Split `count` items into contiguous ranges for `threads` workers: `perThread` ranges each, for balance. */
export function batchRanges(count: number, threads: number, perThread = 2): Array<[number, number]> {
  if (count <= 0) return [];
  const batches = Math.max(1, Math.min(count, threads * perThread));
  const ranges: Array<[number, number]> = [];
  for (let b = 0; b < batches; b++) {
    const start = Math.floor((b * count) / batches);
    const end = Math.floor(((b + 1) * count) / batches);
    if (end > start) ranges.push([start, end]);
  }
  return ranges;
}
