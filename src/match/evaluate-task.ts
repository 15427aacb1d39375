/**
 * Worker task: score a batch of search points. The target's loss features and the synth's scorer are built
 * once per worker and context (ContextCache), not per batch; a message may carry only the context's id, and
 * a worker that has not seen it answers `missing` so the sender resends it in full.
 */
import { isCancelled, type CancelFlag } from "../jobs/cancel.ts";
import { ContextCache } from "../jobs/context-cache.ts";
import { loadSynths } from "../synths/index.ts";
import { getSynth, type AnySynth } from "../synths/synth.ts";
import { Scorer, type SearchSpace } from "./evaluate.ts";
import { prepareLossTarget, type LossTarget } from "./loss.ts";

export interface EvalContext {
  space: SearchSpace;
  /** The target (mono 44.1 kHz from the onset), ideally on a SharedArrayBuffer. */
  target: Float32Array;
  /** Identity of the target: its features are prepared once per worker for all spaces. */
  targetId: string;
}

export interface EvalBatch {
  contextId: string;
  context?: EvalContext;
  /** Points packed one after another, `dim` values each. */
  points: Float64Array;
  dim: number;
  cancel?: CancelFlag;
}

export interface EvalBatchResult {
  losses: Float64Array;
  /** Points scored before a cancel (all of them normally). */
  done: number;
  /** Wall milliseconds the worker spent scoring them (the evaluator sizes its batches from it). */
  ms?: number;
  missing?: boolean;
}

const scorers = new ContextCache<Promise<Scorer>>(48);
/** Targets' loss features, shared by every space searched against the same target. */
const targets = new ContextCache<LossTarget>(3);

export async function resolveSynth(space: SearchSpace): Promise<AnySynth> {
  if (space.synthModule) {
    const mod = (await import(space.synthModule)) as { synth?: AnySynth };
    if (!mod.synth) throw new Error(`${space.synthModule} exports no synth`);
    return mod.synth;
  }
  await loadSynths();
  const synth = getSynth(space.synthId);
  if (!synth) throw new Error(`unknown synth "${space.synthId}"`);
  return synth;
}

async function buildScorer(ctx: EvalContext): Promise<Scorer> {
  const synth = await resolveSynth(ctx.space);
  const target = targets.get(ctx.targetId, () => prepareLossTarget(ctx.target));
  return new Scorer(synth, ctx.space, target);
}

export default async function evaluateBatch(batch: EvalBatch): Promise<EvalBatchResult> {
  const count = batch.dim > 0 ? Math.floor(batch.points.length / batch.dim) : 0;
  let scorerPromise: Promise<Scorer> | undefined;
  if (batch.context) {
    const ctx = batch.context;
    scorerPromise = scorers.get(batch.contextId, () => buildScorer(ctx));
  } else {
    let hit = true;
    scorerPromise = scorers.get(batch.contextId, () => {
      hit = false;
      return Promise.reject(new Error("missing context"));
    });
    if (!hit) {
      scorerPromise.catch(() => {});
      scorers.delete(batch.contextId);
      return { losses: new Float64Array(0), done: 0, missing: true };
    }
  }
  const scorer = await scorerPromise;
  const losses = new Float64Array(count).fill(Infinity);
  const t0 = performance.now();
  let done = 0;
  for (; done < count; done++) {
    if (isCancelled(batch.cancel)) break;
    losses[done] = scorer.score(batch.points.subarray(done * batch.dim, (done + 1) * batch.dim));
  }
  return { losses, done, ms: performance.now() - t0 };
}
