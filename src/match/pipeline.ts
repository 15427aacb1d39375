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
import { denormalise, normalise, type AnySynth } from "../synths/synth.ts";
import { Random } from "../util/random.ts";
import { Cmaes, CmaesSearch, type DimensionKind } from "./cmaes.ts";
import { patchToPoint, pointLength, Scorer, type SearchSpace } from "./evaluate.ts";
import type { Evaluator } from "./evaluator.ts";
import { levelMatch, type LossTerms } from "./loss.ts";
import { refineLocally } from "./local-search.ts";
import {
  defaultFreeParams,
  initialStepScale,
  isMovesOnly,
  isStructural,
  recombinationProfile,
  refinementOf,
  searchBlocks,
  structuralMoves,
} from "./profile.ts";
import { recombinations } from "./recombine.ts";
import type { MatchTarget } from "./target.ts";

export interface StartPoint {
  patch: unknown;
  /** Where it came from ("init", "bank: E.PIANO 1", "analytic envelope" …). */
  source: string;
  /** Initial CMA-ES step from this start (normalised units; default 0.12): smaller for starts computed to fit. */
  sigma?: number;
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
  /** Share of the budget kept for the final polish (default 0.15). */
  polishFraction?: number;
  /** Share of the budget spent on random exploration before refinement (default 0.15). */
  exploreFraction?: number;
  /** Share of the refinement budget spent on short runs from several distinct starts (default 0.4; 0: none). */
  portfolioFraction?: number;
  /** Most runs in the portfolio's first round (default 4). */
  portfolioRuns?: number;
  /** Share of the budget spent on recombining the best starts (default 0.1; synths with a profile only). */
  recombineFraction?: number;
  /** Share of the refinement budget spent on block-wise CMA-ES runs (default 0: off; synths with blocks only). */
  blockFraction?: number;
  /**
   * Schema indices searched (default: the synth's search profile, src/match/profile.ts). When given, the
   * space is fixed: every start contributes only these parameters and the others keep the synth's default
   * patch's values (e.g. a benchmark replica's space), instead of each start keeping its own.
   */
  free?: number[];
  signal?: AbortSignal;
  onProgress?: (p: MatchProgress) => void;
  /** Scores the first few starting points while `evaluator` warms up (e.g. a LocalEvaluator next to a pool). */
  startEvaluator?: Evaluator;
  /** Called once the first starting points are scored, with the best of them (time to the first candidate). */
  onFirstCandidate?: (c: MatchCandidate) => void | Promise<void>;
}

export interface MatchCandidate {
  patch: unknown;
  point: Float64Array;
  /** The space the point belongs to (its start preset supplies the parameters not searched). */
  space: SearchSpace;
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
  /** The best start's space. */
  space: SearchSpace;
  /** Loss of the best start, before refinement. */
  bestStartLoss: number;
}

/** Share of the expected renders spent on uniform random exploration (at most 20 points per dimension). */
const EXPLORE_FRACTION = 0.15;

/** Share of the budget left for the final polish (single-parameter steps). */
const POLISH_FRACTION = 0.15;

/** Initial CMA-ES step from a start that does not say otherwise. */
const START_SIGMA = 0.12;

/** Share of the refinement budget spent on the portfolio of short runs (successive halving). */
const PORTFOLIO_FRACTION = 0.4;
/** Most runs in the portfolio's first round, and the fewest generations each must get there. */
const PORTFOLIO_RUNS = 4;
const PORTFOLIO_MIN_GENERATIONS = 4;

/** Share of the budget spent on recombining the best starts, the starts that give parts, parents tried. */
const RECOMBINE_FRACTION = 0.1;
const RECOMBINE_DONORS = 16;
const RECOMBINE_PARENTS = 3;
/** Recombined presets that join the starts. */
const RECOMBINED_STARTS = 4;

/**
 * Share of the refinement budget spent on block-wise runs (off by default: on 16 dx7-refs targets at 2,000
 * renders, 0.4 changed the median by nothing and lost a win against the nearest bank voice, docs/matcher.md),
 * and the generations of each block's run.
 */
const BLOCK_FRACTION = 0;
const BLOCK_GENERATIONS = 8;

/** Points one step away from `point` in each coordinate (both directions), within [0, 1]. */
export function neighbourPoints(synth: AnySynth, space: SearchSpace, point: Float64Array): Float64Array[] {
  const out: Float64Array[] = [];
  const push = (i: number, u: number) => {
    if (u < 0 || u > 1 || u === point[i]) return;
    const q = Float64Array.from(point);
    q[i] = u;
    out.push(q);
  };
  space.free.forEach((k, i) => {
    const spec = synth.params[k]!;
    if (spec.kind === "continuous") {
      push(i, Math.min(1, point[i]! + 0.02));
      push(i, Math.max(0, point[i]! - 0.02));
      return;
    }
    const v = denormalise(spec, point[i]!);
    if (v + 1 <= spec.max) push(i, normalise(spec, v + 1));
    if (v - 1 >= spec.min) push(i, normalise(spec, v - 1));
  });
  if (space.holdRange) {
    const i = space.free.length;
    push(i, Math.min(1, point[i]! + 0.02));
    push(i, Math.max(0, point[i]! - 0.02));
  }
  return out;
}

/** Climbers of the local search (distinct starts, successive halving). */
const LOCAL_CLIMBERS = 4;

/** Starting points scored in this thread before the workers are ready (besides the init patch). */
const QUICK_STARTS = 3;

interface ArchiveEntry {
  space: SearchSpace;
  point: Float64Array;
  loss: number;
  source: string;
}

/** The best scored points, kept sorted (best first), at most `capacity`. */
class Archive {
  readonly entries: ArchiveEntry[] = [];
  constructor(private readonly capacity: number) {}

  add(space: SearchSpace, point: ArrayLike<number>, loss: number, source: string): void {
    if (!Number.isFinite(loss)) return;
    const n = this.entries.length;
    if (n >= this.capacity && loss >= this.entries[n - 1]!.loss) return;
    let i = n;
    while (i > 0 && this.entries[i - 1]!.loss > loss) i--;
    this.entries.splice(i, 0, { space, point: Float64Array.from(point), loss, source });
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

/**
 * Best entries, each at least `minDistance` from those already chosen and not sounding the same (an equal
 * loss means an equal render: points far apart in parameters nobody hears, e.g. a muted operator's).
 * Topped up with sound-distinct entries first, then with the rest, if needed.
 */
export function pickDistinct<T extends { point: Float64Array; loss: number }>(
  sorted: T[],
  count: number,
  minDistance: number,
): T[] {
  const chosen: T[] = [];
  const soundsNew = (e: T) =>
    chosen.every((c) => Math.abs(c.loss - e.loss) > 1e-9 * Math.max(1, Math.abs(e.loss)));
  const passes: Array<(e: T) => boolean> = [
    (e) => soundsNew(e) && chosen.every((c) => distance(c.point, e.point) >= minDistance),
    soundsNew,
    () => true,
  ];
  for (const accept of passes) {
    for (const e of sorted) {
      if (chosen.length >= count) break;
      if (!chosen.includes(e) && accept(e)) chosen.push(e);
    }
  }
  return chosen.sort((a, b) => a.loss - b.loss);
}

export function searchSpaceFor(
  synth: AnySynth,
  target: MatchTarget,
  opts: { basePatch?: unknown; free?: number[]; seed?: number } = {},
): SearchSpace {
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
    bpm: target.bpm,
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
  const free = opts.free ?? defaultFreeParams(synth);
  // Each start is searched in its own space: its parameters outside `free` stay as the preset has them
  // (unless the caller fixed the space by giving `free`).
  const fixedSpace = opts.free
    ? searchSpaceFor(synth, target, { basePatch: synth.defaultPatch(), free, seed })
    : undefined;
  const spaceFor = (patch: unknown) =>
    fixedSpace ?? searchSpaceFor(synth, target, { basePatch: patch, free, seed });
  const archive = new Archive(256);
  let renders = 0;
  const checkAbort = () => {
    if (opts.signal?.aborted) throw new PatchsmithError("interrupted", "interrupted");
  };
  const evaluateStarts = async (ev: Evaluator, items: Array<{ space: SearchSpace; point: Float64Array }>) =>
    (await Promise.all(items.map((s) => ev.evaluate(s.space, [s.point])))).map((l) => l[0]!);

  // 1. Starting points. With a separate start evaluator (this thread), the first few are scored at once while
  // the workers warm up, so that a first candidate exists within a second or two.
  const starts: StartPoint[] = [
    { patch: synth.defaultPatch(), source: "init" },
    ...(opts.starts ?? []),
  ].slice(0, Math.max(1, Math.min(1 + (opts.starts?.length ?? 0), maxRenders)));
  const scored = starts.map((s) => {
    const space = spaceFor(s.patch);
    return {
      space,
      point: patchToPoint(synth, space, s.patch, target.holdSeconds),
      loss: Infinity,
      source: s.source,
      sigma: s.sigma ?? START_SIGMA,
    };
  });
  const quick = opts.startEvaluator ? Math.min(scored.length, 1 + QUICK_STARTS) : scored.length;
  const warming =
    quick < scored.length || opts.startEvaluator
      ? evaluator.warmUp?.(scored[0]!.space, scored[0]!.point)
      : undefined;
  warming?.catch(() => {});
  (await evaluateStarts(opts.startEvaluator ?? evaluator, scored.slice(0, quick))).forEach(
    (l, i) => (scored[i]!.loss = l),
  );
  const progress = (restarts: number) =>
    opts.onProgress?.({
      renders,
      elapsedSeconds: elapsed(),
      bestLoss: archive.best?.loss ?? Infinity,
      restarts,
    });
  if (opts.onFirstCandidate) {
    const b = scored.slice(0, quick).sort((x, y) => x.loss - y.loss)[0]!;
    await opts.onFirstCandidate({
      patch: new Scorer(synth, b.space, target.loss).patch(b.point),
      point: b.point,
      space: b.space,
      loss: b.loss,
      source: b.source,
      holdSeconds: holdOf(b.space, b.point),
    });
  }
  await warming;
  checkAbort();
  if (quick < scored.length)
    (await evaluateStarts(evaluator, scored.slice(quick))).forEach((l, i) => (scored[quick + i]!.loss = l));
  renders += scored.length;
  for (const r of scored) archive.add(r.space, r.point, r.loss, r.source);
  const bestStart = [...scored].sort((a, b) => a.loss - b.loss)[0]!;
  progress(0);

  // Recombination: the best starts with one parameter group of another good start (src/match/recombine.ts),
  // greedily, while it improves; the best children join the starts.
  const recombination = recombinationProfile(synth);
  const rate = renders / Math.max(1e-3, elapsed());
  const expectedRenders = Math.min(maxRenders, Number.isFinite(seconds) ? rate * seconds : maxRenders);
  if (recombination && !opts.free) {
    let budget = Math.floor((opts.recombineFraction ?? RECOMBINE_FRACTION) * expectedRenders);
    const pool = scored
      .filter((s) => Number.isFinite(s.loss))
      .sort((a, b) => a.loss - b.loss)
      .slice(0, RECOMBINE_DONORS);
    const donors = pool.map((s) => ({ patch: s.space.basePatch, source: s.source }));
    const children: typeof scored = [];
    for (let p = 0, parents = 0; p < pool.length && parents < RECOMBINE_PARENTS && budget > 0; p++) {
      let parent = pool[p]!;
      let kids = recombinations(synth, recombination, parent.space.basePatch, donors);
      if (kids.length === 0) continue;
      parents++;
      while (kids.length > 0 && budget > 0 && elapsed() < seconds) {
        checkAbort();
        const batch = kids.slice(0, budget).map((k) => {
          const space = spaceFor(k.patch);
          return {
            space,
            point: patchToPoint(synth, space, k.patch, target.holdSeconds),
            loss: Infinity,
            source: `${parent.source} + ${k.source}`,
            sigma: parent.sigma,
          };
        });
        (await evaluateStarts(evaluator, batch)).forEach((l, i) => (batch[i]!.loss = l));
        renders += batch.length;
        budget -= batch.length;
        for (const c of batch) archive.add(c.space, c.point, c.loss, c.source);
        children.push(...batch);
        progress(0);
        const best = batch.reduce((a, b) => (b.loss < a.loss ? b : a));
        if (!(best.loss < parent.loss)) break;
        parent = best;
        kids = recombinations(synth, recombination, parent.space.basePatch, donors);
      }
    }
    children.sort((a, b) => a.loss - b.loss);
    scored.push(...children.slice(0, RECOMBINED_STARTS));
  }

  // Exploration: a share of the budget on uniform random points of the init patch's space; the best of them
  // join the starts. Rugged dimensions (frequency ratios, algorithms) defeat a purely local search. The local
  // search has structural moves of its own and none by default.
  const local = refinementOf(synth) === "local" && !opts.free;
  const explore = Math.floor(
    Math.min(
      (opts.exploreFraction ?? (local ? 0 : EXPLORE_FRACTION)) * expectedRenders,
      20 * pointLength(scored[0]!.space),
    ),
  );
  if (explore > 0) {
    const rng = new Random(seed ^ 0x5eed);
    const space0 = scored[0]!.space;
    const dimension = pointLength(space0);
    const found: typeof scored = [];
    for (let done = 0; done < explore && elapsed() < seconds;) {
      checkAbort();
      const n = Math.min(explore - done, 16 * evaluator.parallelism);
      const pts = Array.from({ length: n }, () => Float64Array.from({ length: dimension }, () => rng.next()));
      const losses = await evaluator.evaluate(space0, pts);
      pts.forEach((point, i) => {
        archive.add(space0, point, losses[i]!, "random exploration");
        found.push({
          space: space0,
          point,
          loss: losses[i]!,
          source: "random exploration",
          sigma: START_SIGMA,
        });
      });
      done += n;
      renders += n;
      progress(0);
    }
    found.sort((a, b) => a.loss - b.loss);
    scored.push(...found.slice(0, 4));
  }
  const ranked = [...scored].sort((a, b) => a.loss - b.loss);

  /** The best distinct candidates from the archive. */
  const finish = (restarts: number): MatchResult => {
    const chosen = pickDistinct(archive.entries, opts.candidates ?? 5, 0.02);
    const candidates = chosen.map((e) => ({
      patch: new Scorer(synth, e.space, target.loss).patch(e.point),
      point: e.point,
      space: e.space,
      loss: e.loss,
      source: e.source,
      holdSeconds: holdOf(e.space, e.point),
    }));
    return {
      candidates,
      renders,
      seconds: elapsed(),
      restarts,
      space: bestStart.space,
      bestStartLoss: bestStart.loss,
    };
  };

  // 2. Refinement: the synth's structured local search (src/match/local-search.ts) from the best distinct
  // starts, or CMA-ES below.
  if (local) {
    const r0 = renders;
    const t1 = elapsed();
    const picks: typeof ranked = [];
    for (const s of ranked) {
      if (picks.length >= LOCAL_CLIMBERS) break;
      if (!Number.isFinite(s.loss)) continue;
      if (picks.some((q) => q.space === s.space && distance(q.point, s.point) < 0.05)) continue;
      picks.push(s);
    }
    const result = await refineLocally(
      {
        synth,
        evaluator,
        seed,
        moves: structuralMoves(synth),
        structural: (index) => isStructural(synth, index),
        movesOnly: (index) => isMovesOnly(synth, index),
        record: (space, point, loss, source) => archive.add(space, point, loss, source),
        progress: () =>
          Math.max(
            Number.isFinite(maxRenders) ? (renders - r0) / Math.max(1, maxRenders - r0) : 0,
            Number.isFinite(seconds) ? (elapsed() - t1) / Math.max(1e-3, seconds - t1) : 0,
          ),
        take: (wanted) => {
          if (renders >= maxRenders || elapsed() >= seconds) return 0;
          const n = Math.max(0, Math.min(wanted, maxRenders - renders));
          renders += n;
          progress(0);
          return n;
        },
        checkAbort,
      },
      picks,
    );
    checkAbort();
    return finish(result.kicks);
  }

  // 2. Refinement (CMA-ES).
  const { kinds, levels } = dimensionKinds(synth, ranked[0]!.space);
  const stepScale = initialStepScale(synth, free, pointLength(ranked[0]!.space) - free.length);
  const polishFraction = opts.polishFraction ?? POLISH_FRACTION;
  const budgetLeft = () => renders < maxRenders && elapsed() < seconds;
  const cmaesSettings = { kinds, levels, tolFun: 1e-4, tolX: 1e-5, fullCovarianceMaxDim: 40 };

  // Portfolio: short independent CMA-ES runs from the best distinct starts; after each round the better half
  // goes on with twice the renders (successive halving). The winner's best point starts the main search.
  // A single run from the best start alone often settles in the start's basin when another start's basin
  // is deeper (FM spectra change non-monotonically with the index).
  const used = new Set<(typeof ranked)[number]>();
  const portfolio = await runPortfolio();
  const afterPortfolio = portfolio ?? {
    point: ranked[0]!.point,
    space: ranked[0]!.space,
    source: ranked[0]!.source,
    sigma: ranked[0]!.sigma,
    loss: ranked[0]!.loss,
  };
  const first = (await runBlocks(afterPortfolio)) ?? afterPortfolio;

  /**
   * Block-wise refinement: short CMA-ES runs on one group of parameters at a time (a DX7 operator: its
   * ratio, level and envelope), the others held at the best point so far, cycling through the groups. In a
   * space of ~100 dimensions a full-dimensional step moves every operator at once and the step size
   * collapses before any one operator is fitted; a block's run adapts in a dozen dimensions.
   */
  async function runBlocks(from: typeof afterPortfolio) {
    const blocks = opts.free ? [] : searchBlocks(synth, free);
    if (blocks.length === 0) return undefined;
    const budget = Math.floor(
      (opts.blockFraction ?? BLOCK_FRACTION) * (expectedRenders - renders) * (1 - polishFraction),
    );
    let spent = 0;
    let bestLoss = from.loss;
    let bestSpace = from.space;
    let bestPoint = from.point;
    let improvedAny = false;
    for (let b = 0; spent < budget && budgetLeft(); b = (b + 1) % blocks.length) {
      checkAbort();
      const basePatch = new Scorer(synth, bestSpace, target.loss).patch(bestPoint);
      const hold = holdOf(bestSpace, bestPoint);
      const sub = searchSpaceFor(synth, target, { basePatch, free: blocks[b]!, seed });
      const { kinds: k, levels: l } = dimensionKinds(synth, sub);
      const x0 = patchToPoint(synth, sub, basePatch, hold);
      const cma = new Cmaes({
        kinds: k,
        levels: l,
        tolFun: 1e-4,
        tolX: 1e-5,
        x0,
        sigma0: START_SIGMA,
        stepScale: initialStepScale(synth, blocks[b]!, pointLength(sub) - blocks[b]!.length),
        seed: seed * 104729 + spent,
      });
      let blockBest = bestLoss;
      let blockPoint: Float64Array | undefined;
      for (let g = 0; g < BLOCK_GENERATIONS && !cma.shouldStop() && spent < budget; g++) {
        if (renders + cma.lambda > maxRenders || elapsed() >= seconds) break;
        checkAbort();
        const xs = cma.ask();
        const losses = await evaluator.evaluate(sub, xs);
        renders += xs.length;
        spent += xs.length;
        xs.forEach((x, i) => {
          archive.add(sub, x, losses[i]!, `${from.source}, by blocks`);
          if (losses[i]! < blockBest) {
            blockBest = losses[i]!;
            blockPoint = Float64Array.from(x);
          }
        });
        cma.tell(losses);
        progress(0);
      }
      if (blockPoint) {
        const patch = new Scorer(synth, sub, target.loss).patch(blockPoint);
        bestSpace = spaceFor(patch);
        bestPoint = patchToPoint(synth, bestSpace, patch, holdOf(sub, blockPoint));
        bestLoss = blockBest;
        improvedAny = true;
      }
    }
    if (!improvedAny) return undefined;
    return {
      point: bestPoint,
      space: bestSpace,
      source: `${from.source}, by blocks`,
      sigma: from.sigma,
      loss: bestLoss,
    };
  }

  async function runPortfolio() {
    const share = opts.portfolioFraction ?? PORTFOLIO_FRACTION;
    const budget = share * (expectedRenders - renders) * (1 - polishFraction);
    const lambda = 4 + Math.floor(3 * Math.log(pointLength(ranked[0]!.space)));
    const rounds = (k: number) => Math.ceil(Math.log2(k)) + 1;
    // As many runs as give each one at least a few generations in the first round.
    let count = opts.portfolioRuns ?? PORTFOLIO_RUNS;
    while (count > 1 && budget / (count * rounds(count)) < PORTFOLIO_MIN_GENERATIONS * lambda) count--;
    const picks: typeof ranked = [];
    for (const s of ranked) {
      if (picks.length >= count) break;
      if (!Number.isFinite(s.loss)) continue;
      if (picks.some((q) => q.space === s.space && distance(q.point, s.point) < 0.05)) continue;
      picks.push(s);
    }
    if (picks.length < 2) return undefined;
    const runs = picks.map((s, i) => ({
      start: s,
      cma: new Cmaes({ ...cmaesSettings, x0: s.point, sigma0: s.sigma, stepScale, seed: seed * 7919 + i }),
      best: s.loss,
      bestPoint: s.point,
    }));
    let alive = runs;
    let perRun = Math.floor(budget / (picks.length * rounds(picks.length)));
    while (alive.length > 1 && budgetLeft()) {
      for (const run of alive) {
        let spent = 0;
        while (
          spent + run.cma.lambda <= perRun &&
          !run.cma.shouldStop() &&
          renders + run.cma.lambda <= maxRenders &&
          elapsed() < seconds
        ) {
          checkAbort();
          const xs = run.cma.ask();
          const losses = await evaluator.evaluate(run.start.space, xs);
          renders += xs.length;
          spent += xs.length;
          xs.forEach((x, k) => {
            archive.add(run.start.space, x, losses[k]!, `refined from ${run.start.source}`);
            if (losses[k]! < run.best) {
              run.best = losses[k]!;
              run.bestPoint = Float64Array.from(x);
            }
          });
          run.cma.tell(losses);
          progress(0);
        }
      }
      alive = [...alive].sort((a, b) => a.best - b.best).slice(0, Math.ceil(alive.length / 2));
      perRun *= 2;
    }
    const w = alive[0]!;
    for (const p of picks) used.add(p);
    return {
      point: w.bestPoint,
      space: w.start.space,
      source: w.start.source,
      sigma: Math.min(w.start.sigma, Math.max(0.03, w.cma.stepSize)),
      loss: w.best,
    };
  }

  let nextWarm = 0;
  let space = first.space;
  let pending: { space: SearchSpace; source: string } | undefined;
  let source = `refined from ${first.source}`;
  const search = new CmaesSearch({
    dim: pointLength(space),
    seed,
    x0: first.point,
    sigma0: first.sigma,
    stepScale,
    ...cmaesSettings,
    nextStart: (restart) => {
      // Further warm starts first (locally), then alternately near the best point so far with a wide step and
      // from BIPOP's random points (in the init patch's space).
      while (
        nextWarm < ranked.length &&
        (!Number.isFinite(ranked[nextWarm]!.loss) || used.has(ranked[nextWarm]!) || nextWarm === 0)
      )
        nextWarm++;
      if (nextWarm < ranked.length) {
        const s = ranked[nextWarm++]!;
        pending = { space: s.space, source: `refined from ${s.source}` };
        return { x0: s.point, sigma0: s.sigma, stepScale };
      }
      const best = archive.best;
      if (restart % 2 === 1 && best) {
        pending = { space: best.space, source: "restart near the best" };
        return { x0: best.point, sigma0: 0.25, stepScale };
      }
      pending = { space: scored[0]!.space, source: "random restart" };
      return undefined;
    },
  });
  // CMA-ES until the last `polishFraction` of the budget, then the polish; a polish that converges early
  // hands the rest back to CMA-ES (its restarts) and polishes again at the end.
  const seen = new Map<SearchSpace, Set<string>>();
  while (budgetLeft()) {
    const refineRenders = Number.isFinite(maxRenders)
      ? renders + (maxRenders - renders) * (1 - polishFraction)
      : Infinity;
    const refineSeconds = Number.isFinite(seconds)
      ? elapsed() + (seconds - elapsed()) * (1 - polishFraction)
      : Infinity;
    while (renders < refineRenders && elapsed() < refineSeconds) {
      checkAbort();
      if (renders + search.popSize > maxRenders) break;
      const xs = search.ask();
      const losses = await evaluator.evaluate(space, xs);
      renders += xs.length;
      for (let k = 0; k < xs.length; k++) archive.add(space, xs[k]!, losses[k]!, source);
      const before = search.restarts;
      search.tell(losses);
      if (search.restarts !== before && pending) {
        space = pending.space;
        source = pending.source;
      }
      progress(search.restarts);
    }
    checkAbort();
    const polished = await polish();
    // Nothing left that CMA-ES could use (less than a generation): stop.
    if (!polished && maxRenders - renders < search.popSize) break;
  }
  checkAbort();

  /**
   * Polish: steepest descent over single-parameter steps (one level for integers and choices, ±2 % for
   * continuous values) from the best point, all neighbours of a step scored in one parallel batch. Lands
   * exactly on discrete optima that CMA-ES only approaches. Returns whether it stopped on the budget.
   */
  async function polish(): Promise<boolean> {
    while (archive.best && budgetLeft()) {
      checkAbort();
      const best = archive.best;
      let tried = seen.get(best.space);
      if (!tried) seen.set(best.space, (tried = new Set()));
      const neighbours = neighbourPoints(synth, best.space, best.point).filter((p) => {
        const key = Array.from(p, (v) => v.toFixed(5)).join();
        if (tried.has(key)) return false;
        tried.add(key);
        return true;
      });
      // Within the budget: the renders left, and what the recent render rate allows in the time left.
      const rate = renders / Math.max(1e-3, elapsed());
      const byTime = Number.isFinite(seconds)
        ? Math.max(evaluator.parallelism, Math.floor(rate * (seconds - elapsed())))
        : Infinity;
      const left = Math.min(maxRenders - renders, byTime);
      const batch = neighbours.slice(0, Number.isFinite(left) ? Math.max(0, left) : neighbours.length);
      if (batch.length === 0) return false;
      const losses = await evaluator.evaluate(best.space, batch);
      renders += batch.length;
      let improved = false;
      batch.forEach((p, i) => {
        if (losses[i]! < best.loss) improved = true;
        archive.add(
          best.space,
          p,
          losses[i]!,
          best.source.endsWith(", polished") ? best.source : `${best.source}, polished`,
        );
      });
      progress(search.restarts);
      if (!improved) return false;
    }
    return true;
  }

  // 3. Distinct candidates.
  return finish(search.restarts);
}

/** Median f0 (cents relative to MIDI) of a sound's voiced frames, NaN when unvoiced. */
function medianPitchMidi(x: Float32Array): number {
  const track = pitchTrack(x, 44100, { fMinHz: 27, fMaxHz: 4200 });
  const f0 = maskedMedian(track.f0Hz, track.voiced);
  return Number.isFinite(f0) && f0 > 0 ? hzToMidi(f0) : NaN;
}

/** Full report of a candidate: loss terms, MSS and pitch error of its level-matched render. */
export function reportCandidate(
  synth: AnySynth,
  target: MatchTarget,
  c: MatchCandidate,
): CandidateReport & { audio: Float32Array } {
  const scorer = new Scorer(synth, c.space, target.loss);
  const raw = scorer.render(c.point);
  const terms = scorer.terms(c.point);
  const audio = Float32Array.from(levelMatch(target.loss, raw).audio);
  const m = mss(target.samples, audio);
  const pt = target.pitched ? hzToMidi(target.f0Hz) : NaN;
  const pc = target.pitched ? medianPitchMidi(audio) : NaN;
  return { ...c, terms, mss: m, pitchErrorCents: 100 * (pc - pt), audio };
}
