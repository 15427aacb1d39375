/**
 * Scoring many points at once: in worker threads (PoolEvaluator: points split into batches of about
 * TASK_MS of work each, handed to whichever worker is free, the target shared through a SharedArrayBuffer
 * and prepared once per worker) or in this thread (LocalEvaluator, for one core, tests and synths that are
 * not importable by workers).
 */
import { cancelFlagFor, type CancelFlag } from "../jobs/cancel.ts";
import { batchRanges, WorkerPool } from "../jobs/pool.ts";
import { PatchsmithError } from "../errors.ts";
import type { AnySynth } from "../synths/synth.ts";
import { Scorer, type SearchSpace } from "./evaluate.ts";
import type { EvalBatch, EvalBatchResult } from "./evaluate-task.ts";
import type { LossTarget } from "./loss.ts";

export interface Evaluator {
  /** Losses of `points` (each a normalised point of `space`), in order. Rejects with "interrupted" on abort. */
  evaluate(space: SearchSpace, points: ArrayLike<number>[]): Promise<Float64Array>;
  /** Prepare the workers (load modules, the synth, the target) ahead of the first batch. */
  warmUp?(space: SearchSpace, point: ArrayLike<number>): Promise<void>;
  /** Parallel workers behind it (1 for the local one). */
  readonly parallelism: number;
  close(): Promise<void>;
}

function interrupted(): PatchsmithError {
  return new PatchsmithError("interrupted", "interrupted");
}

export class LocalEvaluator implements Evaluator {
  readonly parallelism = 1;
  private readonly scorers = new WeakMap<SearchSpace, Scorer>();

  constructor(
    private readonly synth: AnySynth,
    private readonly target: LossTarget,
    private readonly signal?: AbortSignal,
  ) {}

  scorer(space: SearchSpace): Scorer {
    let s = this.scorers.get(space);
    if (!s) {
      s = new Scorer(this.synth, space, this.target);
      this.scorers.set(space, s);
    }
    return s;
  }

  async evaluate(space: SearchSpace, points: ArrayLike<number>[]): Promise<Float64Array> {
    const scorer = this.scorer(space);
    const out = new Float64Array(points.length);
    for (let i = 0; i < points.length; i++) {
      if (this.signal?.aborted) throw interrupted();
      out[i] = scorer.score(points[i]!);
      // Let timers, progress and Ctrl-C run between renders.
      if (i % 8 === 7) await new Promise<void>((r) => setImmediate(r));
    }
    return out;
  }

  async close(): Promise<void> {}
}

const taskModule = new URL("./evaluate-task.ts", import.meta.url).href;

/**
 * Work per message (ms). A generation waits for its slowest batch while the other workers idle, and render
 * costs vary a lot between points (Vital: 15 to 170 ms around one start, with unison voices and filters
 * switching on), so batches are kept short: one point each for a synth costing this much or more per point,
 * a few for cheap ones, where a message's own cost (~0.1 ms) would start to count.
 */
const TASK_MS = 10;
let contextCounter = 0;

export class PoolEvaluator implements Evaluator {
  readonly parallelism: number;
  private readonly pool: WorkerPool;
  private readonly ownsPool: boolean;
  private readonly target: Float32Array;
  private readonly targetId: string;
  private readonly cancel: CancelFlag;
  private readonly contexts = new WeakMap<SearchSpace, { id: string; sentFull: number }>();
  /** Running mean of the workers' milliseconds per point (undefined until the first batch returns). */
  private msPerPoint: number | undefined;

  /** `targetSamples`: the target (mono 44.1 kHz from the onset); copied once into shared memory. */
  constructor(
    targetSamples: Float32Array,
    opts: { pool?: WorkerPool; threads?: number; signal?: AbortSignal } = {},
  ) {
    this.ownsPool = !opts.pool;
    this.pool = opts.pool ?? new WorkerPool({ threads: opts.threads });
    this.parallelism = this.pool.threads;
    this.target = new Float32Array(new SharedArrayBuffer(targetSamples.length * 4));
    this.targetId = `target-${process.pid}-${++contextCounter}`;
    this.target.set(targetSamples);
    this.cancel = cancelFlagFor(opts.signal);
    this.signal = opts.signal;
  }

  private readonly signal: AbortSignal | undefined;

  /** Load the task module, the synth and the target's features in every worker ahead of the first batch. */
  async warmUp(space: SearchSpace, point: ArrayLike<number>): Promise<void> {
    await Promise.all(Array.from({ length: this.parallelism }, () => this.evaluate(space, [point])));
  }

  async evaluate(space: SearchSpace, points: ArrayLike<number>[]): Promise<Float64Array> {
    if (this.signal?.aborted) throw interrupted();
    const dim = points[0]?.length ?? 0;
    let ctx = this.contexts.get(space);
    if (!ctx) {
      ctx = { id: `ctx-${process.pid}-${++contextCounter}`, sentFull: 0 };
      this.contexts.set(space, ctx);
    }
    const out = new Float64Array(points.length);
    const ranges = this.batches(points.length);
    await Promise.all(
      ranges.map(async ([a, b]) => {
        const packed = new Float64Array((b - a) * dim);
        for (let i = a; i < b; i++) packed.set(points[i]!, (i - a) * dim);
        const send = async (full: boolean): Promise<EvalBatchResult> => {
          const batch: EvalBatch = {
            contextId: ctx.id,
            context: full ? { space, target: this.target, targetId: this.targetId } : undefined,
            points: packed,
            dim,
            cancel: this.cancel,
          };
          return this.pool.run<EvalBatch, EvalBatchResult>(taskModule, batch);
        };
        // Send the context in full until every worker has surely seen it; then the id alone.
        const full = ctx.sentFull < 2 * this.parallelism;
        if (full) ctx.sentFull++;
        let res = await send(full);
        if (res.missing) res = await send(true);
        if (res.ms !== undefined && res.done > 0) {
          const ms = res.ms / res.done;
          this.msPerPoint = this.msPerPoint === undefined ? ms : 0.8 * this.msPerPoint + 0.2 * ms;
        }
        out.set(res.losses.subarray(0, b - a), a);
        if (res.done < b - a) throw interrupted();
      }),
    );
    if (this.signal?.aborted) throw interrupted();
    return out;
  }

  /** Contiguous ranges of `count` points, each about TASK_MS of work (two per worker until that is known). */
  private batches(count: number): Array<[number, number]> {
    if (this.msPerPoint === undefined)
      return batchRanges(count, this.parallelism, count >= 4 * this.parallelism ? 2 : 1);
    const perBatch = Math.max(1, Math.floor(TASK_MS / Math.max(1e-3, this.msPerPoint)));
    const batches = Math.max(Math.min(count, this.parallelism), Math.ceil(count / perBatch));
    return batchRanges(count, batches, 1);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.close();
  }
}
