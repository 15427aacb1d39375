/**
 * Scoring search points: a point is the normalised values of the free parameters of a synth (the rest come
 * from a base patch), optionally followed by one coordinate for the note-off time. `Scorer` renders a point
 * at the target's note and returns its loss; it is what each worker runs (src/match/evaluate-task.ts) and
 * what the main thread runs for single evaluations.
 */
import type { AnySynth, Performance } from "../synths/synth.ts";
import { lossTerms, mixToMono, type LossTarget, type LossTerms } from "./loss.ts";

/** What a search evaluates against; structured-cloneable (sent to workers). */
export interface SearchSpace {
  synthId: string;
  /** A module exporting `synth` (for synths outside the registry, e.g. in tests); default: the registry. */
  synthModule?: string;
  /** The patch every point starts from (parameters outside `free` are taken from it). */
  basePatch: unknown;
  /** Schema indices of the searched parameters, in point order. */
  free: number[];
  /** When set, the last coordinate of a point is the note-off time, mapped linearly onto this range (s). */
  holdRange?: [number, number];
  /** The performance; noteOffSeconds is the default when holdRange is not set. */
  performance: Performance;
  /** Host tempo (BPM) the candidates are rendered at; the synth's patch tempo when absent. */
  bpm?: number;
  seed: number;
}

export function pointLength(space: SearchSpace): number {
  return space.free.length + (space.holdRange ? 1 : 0);
}

/** Added to the loss of a patch the engine cannot render faithfully (more than its base patch). */
const UNSUPPORTED_PENALTY = 50;

/** Turns points into patches, renders and scores them. Reuses its buffers: one per thread. */
export class Scorer {
  private readonly full: Float32Array;
  private readonly baseUnsupported: number;
  /** The mono mix of a multi-channel render, reused between scores (a render is often stereo). */
  private mono = new Float32Array(0);

  constructor(
    readonly synth: AnySynth,
    readonly space: SearchSpace,
    readonly target: LossTarget,
  ) {
    this.full = synth.toVector(space.basePatch);
    this.baseUnsupported = synth.unsupportedFeatures(space.basePatch).length;
  }

  /** The patch a point stands for. */
  patch(point: ArrayLike<number>): unknown {
    const v = this.full;
    const free = this.space.free;
    for (let i = 0; i < free.length; i++) v[free[i]!] = point[i]!;
    return this.synth.fromVector(v, this.space.basePatch);
  }

  /** The performance a point stands for (its note-off time when searched). */
  performance(point: ArrayLike<number>): Performance {
    const perf = this.space.performance;
    const range = this.space.holdRange;
    if (!range) return perf;
    const u = Math.min(1, Math.max(0, point[this.space.free.length]!));
    return { ...perf, noteOffSeconds: range[0] + (range[1] - range[0]) * u };
  }

  /** Mono render of a point (sample rate 44.1 kHz). */
  render(point: ArrayLike<number>): Float32Array {
    const channels = this.synth.render(this.patch(point), this.performance(point), {
      sampleRate: 44100,
      seed: this.space.seed,
      bpm: this.space.bpm,
    });
    return mixToMono(channels);
  }

  terms(point: ArrayLike<number>): LossTerms {
    return lossTerms(this.target, this.render(point));
  }

  /**
   * The loss of a point; a render that throws scores +Infinity rather than stopping the search. A patch that
   * uses features the engine does not render (beyond those of the base patch) is penalised: its render is
   * not what the real synth would play.
   */
  score(point: ArrayLike<number>): number {
    try {
      const patch = this.patch(point);
      const penalty =
        this.synth.unsupportedFeatures(patch).length > this.baseUnsupported ? UNSUPPORTED_PENALTY : 0;
      const channels = this.synth.render(patch, this.performance(point), {
        sampleRate: 44100,
        seed: this.space.seed,
        bpm: this.space.bpm,
      });
      const n = channels[0]?.length ?? 0;
      if (channels.length > 1 && this.mono.length < n) this.mono = new Float32Array(n);
      return lossTerms(this.target, mixToMono(channels, this.mono)).loss + penalty;
    } catch {
      return Infinity;
    }
  }
}

/** The point of a patch in a space (its free parameters, then the default note-off coordinate). */
export function patchToPoint(
  synth: AnySynth,
  space: SearchSpace,
  patch: unknown,
  holdSeconds?: number,
): Float64Array {
  const v = synth.toVector(patch);
  const out = new Float64Array(pointLength(space));
  space.free.forEach((k, i) => (out[i] = v[k]!));
  if (space.holdRange) {
    const [lo, hi] = space.holdRange;
    const h = holdSeconds ?? space.performance.noteOffSeconds;
    out[space.free.length] = hi > lo ? Math.min(1, Math.max(0, (h - lo) / (hi - lo))) : 0;
  }
  return out;
}
