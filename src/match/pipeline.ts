/**
 * The matching pipeline, for any synth through the Synth interface:
 *   1. score the starting points (warm starts from the bank, analytic starts, the init patch) in one batch —
 *      the best of them is the first candidate, available within a second or two;
 *   2. refine with CMA-ES (restarts: the next warm starts, then BIPOP's random starts) on the normalised
 *      schema, discrete parameters handled by the optimiser, batches rendered in parallel by the evaluator,
 *      until the time or render budget is spent or the signal aborts;
 *   3. pick the best distinct candidates from an archive of everything scored.
 */
import { hzToMidi, maskedMedian, pitchTrack } from "../audio/pitch.ts";
import { PatchsmithError } from "../errors.ts";
import { mss } from "../metrics/index.ts";
import type { AnySynth } from "../synths/synth.ts";
import { CmaesSearch, type DimensionKind } from "./cmaes.ts";
import { patchToPoint, pointLength, Scorer, type SearchSpace } from "./evaluate.ts";
import type { Evaluator } from "./evaluator.ts";
import { levelMatch, type LossTerms } from "./loss.ts";
import type { MatchTarget } from "./target.ts";

export interface StartPoint {
  patch: unknown;
  /** Where it came from ("init", "bank: E.PIANO 1", "analytic envelope" …). */
  source: string;
}

export interface MatchProgress {
  renders: number;
  elapsedSeconds: number;
  bestLoss: number;
  restarts: number;
}

export interface MatchOptions {
  synth: AnySynth;
  target: MatchTarget;
  evaluator: Evaluator;
  /** Wall-clock budget (s). Default 30 (ignored when `renders` is given and `seconds` is not). */
  seconds?: number;
  /** Render budget (scored points, starts included). */
  renders?: number;
  seed?: number;
  /** Number of candidates returned. Default 5. */
  candidates?: number;
  /** Warm and analytic starts; the synth's default patch is always added. */
  starts?: StartPoint[];
  /** Schema indices searched (default: every parameter). */
  free?: number[];
  signal?: AbortSignal;
  onProgress?: (p: MatchProgress) => void;
  /** Called once the starting points are scored, with the best of them (time to the first candidate). */
  onFirstCandidate?: (c: MatchCandidate) => void | Promise<void>;
}

export interface MatchCandidate {
  patch: unknown;
  point: Float64Array;
  loss: number;
  source: string;
  /** The note-off time the candidate was scored with (s). */
  holdSeconds: number;
}

export interface CandidateReport extends MatchCandidate {
  terms: LossTerms;
  /** MSS of the level-matched render (DESIGN §5). */
  mss: number;
  /** Median f0 difference (cents) over voiced frames; NaN when either sound is unpitched. */
  pitchErrorCents: number;
}

export interface MatchResult {
  candidates: MatchCandidate[];
  renders: number;
  seconds: number;
  restarts: number;
  space: SearchSpace;
  /** Loss of the best start, before refinement. */
  bestStartLoss: number;
}

interface ArchiveEntry {
  point: Float64Array;
  loss: number;
  source: string;
}

/** The best scored points, kept sorted (best first), at most `capacity`. */
class Archive {
  readonly entries: ArchiveEntry[] = [];
  constructor(private readonly capacity: number) {}

  add(point: ArrayLike<number>, loss: number, source: string): void {
    if (!Number.isFinite(loss)) return;
    const n = this.entries.length;
    if (n >= this.capacity && loss >= this.entries[n - 1]!.loss) return;
    let i = n;
    while (i > 0 && this.entries[i - 1]!.loss > loss) i--;
    this.entries.splice(i, 0, { point: Float64Array.from(point), loss, source });
    if (this.entries.length > this.capacity) this.entries.pop();
  }

  get best(): ArchiveEntry | undefined {
    return this.entries[0];
  }
}

/** Mean absolute difference of two points (0 = same, 1 = opposite corners). */
function distance(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d / Math.max(1, a.length);
}

/** Best entries, each at least `minDistance` from those already chosen (topped up with the rest if needed). */
export function pickDistinct<T extends { point: Float64Array; loss: number }>(sorted: T[], count: number, minDistance: number): T[] {
  const chosen: T[] = [];
  for (const e of sorted) {
    if (chosen.length >= count) break;
    if (chosen.every((c) => distance(c.point, e.point) >= minDistance)) chosen.push(e);
  }
  for (const e of sorted) {
    if (chosen.length >= count) break;
    if (!chosen.includes(e)) chosen.push(e);
  }
  return chosen.sort((a, b) => a.loss - b.loss);
}

export function searchSpaceFor(synth: AnySynth, target: MatchTarget, opts: { basePatch?: unknown; free?: number[]; seed?: number } = {}): SearchSpace {
  const free = opts.free ?? synth.params.map((_, i) => i);
  return {
    synthId: synth.id,
    basePatch: opts.basePatch ?? synth.defaultPatch(),
    free,
    holdRange: target.holdKnown ? undefined : [0.02, target.durationSeconds],
    performance: {
      note: target.note,
      velocity: target.velocity,
      noteOffSeconds: target.holdSeconds,
      durationSeconds: target.durationSeconds,
    },
    seed: opts.seed ?? 1,
  };
}

function dimensionKinds(synth: AnySynth, space: SearchSpace): { kinds: DimensionKind[]; levels: number[] } {
  const kinds: DimensionKind[] = [];
  const levels: number[] = [];
  for (const k of space.free) {
    const p = synth.params[k]!;
    kinds.push(p.kind);
    levels.push(p.kind === "continuous" ? 0 : Math.round(p.max - p.min) + 1);
  }
  if (space.holdRange) {
    kinds.push("continuous");
    levels.push(0);
  }
  return { kinds, levels };
}

function holdOf(space: SearchSpace, point: Float64Array): number {
  if (!space.holdRange) return space.performance.noteOffSeconds;
  const [lo, hi] = space.holdRange;
  return lo + (hi - lo) * Math.min(1, Math.max(0, point[space.free.length]!));
}

export async function match(opts: MatchOptions): Promise<MatchResult> {
  const { synth, target, evaluator } = opts;
  const t0 = performance.now();
  const seconds = opts.seconds ?? (opts.renders !== undefined ? Infinity : 30);
  const maxRenders = opts.renders ?? Infinity;
  const elapsed = () => (performance.now() - t0) / 1000;
  const seed = opts.seed ?? 1;
  const space = searchSpaceFor(synth, target, { free: opts.free, seed });
  const dim = pointLength(space);
  const archive = new Archive(256);
  let renders = 0;
  const checkAbort = () => {
    if (opts.signal?.aborted) throw new PatchsmithError("interrupted", "interrupted");
  };

  // 1. Starting points.
  const starts: StartPoint[] = [{ patch: synth.defaultPatch(), source: "init" }, ...(opts.starts ?? [])];
  const startPoints = starts.slice(0, Math.max(1, Math.min(starts.length, maxRenders))).map((s) => patchToPoint(synth, space, s.patch, target.holdSeconds));
  const startLosses = await evaluator.evaluate(space, startPoints);
  renders += startPoints.length;
  const ranked = startPoints.map((p, i) => ({ point: p, loss: startLosses[i]!, source: starts[i]!.source })).sort((a, b) => a.loss - b.loss);
  for (const r of ranked) archive.add(r.point, r.loss, r.source);
  const bestStart = ranked[0]!;
  const progress = (restarts: number) =>
    opts.onProgress?.({ renders, elapsedSeconds: elapsed(), bestLoss: archive.best?.loss ?? Infinity, restarts });
  progress(0);
  if (opts.onFirstCandidate) {
    await opts.onFirstCandidate({
      patch: new Scorer(synth, space, target.loss).patch(bestStart.point),
      point: bestStart.point,
      loss: bestStart.loss,
      source: bestStart.source,
      holdSeconds: holdOf(space, bestStart.point),
    });
  }

  // 2. Refinement.
  const { kinds, levels } = dimensionKinds(synth, space);
  let nextWarm = 1;
  let restartSource = `refined from ${bestStart.source}`;
  const search = new CmaesSearch({
    dim,
    seed,
    x0: bestStart.point,
    sigma0: 0.12,
    kinds,
    levels,
    tolFun: 1e-4,
    tolX: 1e-5,
    nextStart: (restart) => {
      // Further warm starts first (locally), then from the best point so far with a wide step, then BIPOP's random points.
      while (nextWarm < ranked.length && !Number.isFinite(ranked[nextWarm]!.loss)) nextWarm++;
      if (nextWarm < ranked.length) {
        const s = ranked[nextWarm++]!;
        restartSource = `refined from ${s.source}`;
        return { x0: s.point, sigma0: 0.12 };
      }
      if (restart % 2 === 1 && archive.best) {
        restartSource = "restart near the best";
        return { x0: archive.best.point, sigma0: 0.25 };
      }
      restartSource = "random restart";
      return undefined;
    },
  });
  while (renders < maxRenders && elapsed() < seconds) {
    checkAbort();
    if (renders + search.popSize > maxRenders) break;
    const xs = search.ask();
    const source = restartSource;
    const losses = await evaluator.evaluate(space, xs);
    renders += xs.length;
    for (let k = 0; k < xs.length; k++) archive.add(xs[k]!, losses[k]!, source);
    search.tell(losses);
    progress(search.restarts);
  }
  checkAbort();

  // 3. Distinct candidates.
  const scorer = new Scorer(synth, space, target.loss);
  const chosen = pickDistinct(archive.entries, opts.candidates ?? 5, 0.02);
  const candidates = chosen.map((e) => ({
    patch: scorer.patch(e.point),
    point: e.point,
    loss: e.loss,
    source: e.source,
    holdSeconds: holdOf(space, e.point),
  }));
  return { candidates, renders, seconds: elapsed(), restarts: search.restarts, space, bestStartLoss: bestStart.loss };
}

/** Median f0 (cents relative to MIDI) of a sound's voiced frames, NaN when unvoiced. */
function medianPitchMidi(x: Float32Array): number {
  const track = pitchTrack(x, 44100, { fMinHz: 27, fMaxHz: 4200 });
  const f0 = maskedMedian(track.f0Hz, track.voiced);
  return Number.isFinite(f0) && f0 > 0 ? hzToMidi(f0) : NaN;
}

/** Full report of a candidate: loss terms, MSS and pitch error of its level-matched render. */
export function reportCandidate(synth: AnySynth, space: SearchSpace, target: MatchTarget, c: MatchCandidate): CandidateReport & { audio: Float32Array } {
  const scorer = new Scorer(synth, space, target.loss);
  const raw = scorer.render(c.point);
  const terms = scorer.terms(c.point);
  const audio = Float32Array.from(levelMatch(target.loss, raw).audio);
  const m = mss(target.samples, audio);
  const pt = target.pitched ? hzToMidi(target.f0Hz) : NaN;
  const pc = target.pitched ? medianPitchMidi(audio) : NaN;
  return { ...c, terms, mss: m, pitchErrorCents: 100 * (pc - pt), audio };
}
