/**
 * Structured local search on a patch's discrete parameters (the DX7's are all integers or choices), the
 * refinement of synths whose search profile asks for it (src/match/profile.ts `refinementOf`). In ~100
 * dimensions CMA-ES never improved on a good start (docs/matcher.md); moving one parameter, or one
 * operator's related parameters, at a time does:
 *
 * - **coordinate moves**: each parameter has its own step (a quarter of its range at most), tried in both
 *   directions; the step doubles when a move improves and halves when neither direction does — at step 1 a
 *   parameter whose both neighbours are worse is *exhausted* until every parameter is (then they are all tried
 *   again, and when a whole round finds nothing the point is a local optimum);
 * - **structural moves** from the profile (a ratio to another harmonic, two operators' ratios swapped, a
 *   modulator muted or brought in, an operator's envelope levels or rates shifted together, another algorithm
 *   with the same carriers): jumps a single step cannot make;
 * - **generations**: the moves of a generation are independent and scored in one parallel batch; the best
 *   improving one is applied, and the next generation also tries the other improving ones on top of it;
 * - **kicks**: at a local optimum, a few random moves from the best point found, and the climb goes on from
 *   there (iterated local search), keeping the best point.
 *
 * `refineLocally` runs a small population of climbers from distinct starts, concurrently, with successive
 * halving: after each round the better half goes on, the last one gets the rest of the budget.
 */
import { denormalise, normalise, type AnySynth, type ParamSpec } from "../synths/synth.ts";
import { Random } from "../util/random.ts";
import type { SearchSpace } from "./evaluate.ts";
import type { Evaluator } from "./evaluator.ts";

/** A move in the synth's terms: schema index → new plain value (e.g. 3 for a coarse ratio of 3). */
export interface StructuralMove {
  changes: Array<[index: number, value: number]>;
  label: string;
}

/** The structural moves a profile proposes from a patch, given the plain value of every parameter. */
export type StructuralMoves = (value: (index: number) => number) => StructuralMove[];

export interface LocalStart {
  space: SearchSpace;
  point: Float64Array;
  loss: number;
  source: string;
}

export interface LocalSearchOptions {
  synth: AnySynth;
  evaluator: Evaluator;
  seed: number;
  /** The profile's structural moves (none: coordinate moves only). */
  moves?: StructuralMoves;
  /** Parameters (schema indices) whose coordinate step stays one level: their jumps are structural moves. */
  structural?: (index: number) => boolean;
  /** Parameters (schema indices) changed by structural moves only (no coordinate moves, no kicks). */
  movesOnly?: (index: number) => boolean;
  /** Every scored point goes here (the pipeline's archive). */
  record: (space: SearchSpace, point: Float64Array, loss: number, source: string) => void;
  /** How far through its budget the search is, 0–1 (renders or time, whichever is further). */
  progress: () => number;
  /** Claims renders for a batch: returns how many of `wanted` the budget allows, and counts them as spent. */
  take: (wanted: number) => number;
  /** Throws when the search is cancelled. */
  checkAbort: () => void;
}

/** Coordinates tried per generation (both directions each), and structural moves per generation. */
const COORDINATES_PER_GENERATION = 6;
const STRUCTURAL_PER_GENERATION = 4;
/** Improving moves of a generation retried on top of the applied one in the next. */
const CARRIED_MOVES = 4;
/** A parameter's initial and largest step, as a share of its range. */
const INITIAL_STEP = 1 / 12;
const MAX_STEP = 1 / 4;
/** Continuous coordinates (the note-off time): initial and smallest step (normalised units). */
const CONTINUOUS_STEP = 0.05;
const CONTINUOUS_MIN_STEP = 0.004;
/** Choices with more levels than this are left to structural moves (e.g. the DX7's 32 algorithms). */
const MAX_RANDOM_CHOICE_LEVELS = 8;
/** Random moves in a kick. */
const KICK_MOVES = 3;

interface Candidate {
  point: Float64Array;
  /** Coordinates changed, and the coordinate move's direction (0 for structural and combined moves). */
  coords: number[];
  direction: number;
  label: string;
}

interface Coordinate {
  spec?: ParamSpec;
  index: number;
  step: number;
  minStep: number;
  maxStep: number;
  exhausted: boolean;
  /** Changed by structural moves only: always exhausted. */
  movesOnly?: boolean;
  /** Results of this round: 1 per failed direction (a coordinate is shrunk when both fail). */
  failures: number;
}

/** One hill climber from one start. */
export class Climber {
  point: Float64Array;
  loss: number;
  bestPoint: Float64Array;
  bestLoss: number;
  kicks = 0;
  private readonly coords: Coordinate[];
  private readonly coordOf = new Map<number, number>();
  private readonly rng: Random;
  private carried: Candidate[] = [];
  private baseVector?: Float32Array;
  /** Structural moves tried since the coordinates last reached a local optimum. */
  private structuralTried = 0;
  private improvedSinceReset = false;
  private readonly source: string;

  constructor(
    private readonly opts: LocalSearchOptions,
    readonly start: LocalStart,
    seed: number,
  ) {
    this.space = start.space;
    this.point = Float64Array.from(start.point);
    this.loss = start.loss;
    this.bestPoint = Float64Array.from(start.point);
    this.bestLoss = start.loss;
    this.rng = new Random(seed);
    this.source = `${start.source}, local search`;
    const { synth } = opts;
    this.coords = Array.from({ length: start.point.length }, (_, i) => {
      const index = start.space.free[i];
      if (index === undefined) return continuousCoordinate(-1);
      this.coordOf.set(index, i);
      const spec = synth.params[index]!;
      const coordinate = coordinateOf(index, spec, opts.structural?.(index) === true);
      if (opts.movesOnly?.(index)) Object.assign(coordinate, { exhausted: true, movesOnly: true });
      return coordinate;
    });
  }

  readonly space: SearchSpace;

  /** One generation: proposes moves, scores them in one batch, applies the best improvement. Returns the renders. */
  async step(): Promise<number> {
    const { opts } = this;
    opts.checkAbort();
    let batch = this.generation();
    if (batch.length === 0) batch = this.kick();
    batch = batch.slice(0, opts.take(batch.length));
    if (batch.length === 0) return 0;
    const losses = await opts.evaluator.evaluate(
      this.space,
      batch.map((c) => c.point),
    );
    this.absorb(batch, losses);
    return batch.length;
  }

  private plain(i: number, point = this.point): number {
    const c = this.coords[i]!;
    return c.spec ? Math.round(denormalise(c.spec, point[i]!)) : point[i]!;
  }

  private withValue(i: number, value: number, from = this.point): Float64Array | undefined {
    const c = this.coords[i]!;
    const u = c.spec ? normalise(c.spec, value) : Math.min(1, Math.max(0, value));
    if (Math.abs(u - from[i]!) < 1e-12) return undefined;
    const p = Float64Array.from(from);
    p[i] = u;
    return p;
  }

  /** The point after a coordinate move of `direction` steps (undefined when it goes nowhere). */
  private coordinateMove(i: number, direction: number): Candidate | undefined {
    const c = this.coords[i]!;
    const v = this.plain(i);
    let next: number;
    if (!c.spec) next = v + direction * c.step;
    else if (c.spec.kind === "choice") {
      const levels = Math.round(c.spec.max - c.spec.min) + 1;
      if (levels < 2) return undefined;
      next = c.spec.min + ((v - c.spec.min + 1 + this.rng.int(levels - 1)) % levels);
    } else next = Math.min(c.spec.max, Math.max(c.spec.min, v + direction * c.step));
    const point = this.withValue(i, next);
    return point && { point, coords: [i], direction, label: "coordinate" };
  }

  private structuralCandidates(): Candidate[] {
    if (!this.opts.moves) return [];
    const value = (index: number) => {
      const i = this.coordOf.get(index);
      if (i !== undefined) return this.plain(i);
      this.baseVector ??= this.opts.synth.toVector(this.space.basePatch);
      return Math.round(denormalise(this.opts.synth.params[index]!, this.baseVector[index]!));
    };
    const out: Candidate[] = [];
    for (const m of this.opts.moves(value)) {
      let point: Float64Array | undefined = this.point;
      const coords: number[] = [];
      for (const [index, v] of m.changes) {
        const i = this.coordOf.get(index);
        if (i === undefined) {
          point = undefined;
          break;
        }
        const next = this.withValue(i, v, point);
        if (next) {
          point = next;
          coords.push(i);
        }
      }
      if (point && coords.length > 0) out.push({ point, coords, direction: 0, label: m.label });
    }
    return out;
  }

  private generation(): Candidate[] {
    const out: Candidate[] = [];
    // Improving moves of the last generation, on top of the move applied: together, then one by one.
    if (this.carried.length > 0) {
      const all = this.carried.reduce<Float64Array | undefined>((p, c) => {
        if (!p) return p;
        let q: Float64Array = p;
        for (const i of c.coords) q = this.withValue(i, this.plain(i, c.point), q) ?? q;
        return q;
      }, this.point);
      if (all && this.carried.length > 1)
        out.push({ point: all, coords: [], direction: 0, label: "combined" });
      for (const c of this.carried) {
        let q: Float64Array = this.point;
        for (const i of c.coords) q = this.withValue(i, this.plain(i, c.point), q) ?? q;
        if (q !== this.point) out.push({ point: q, coords: [], direction: 0, label: c.label });
      }
      this.carried = [];
    }
    let open = this.coords.map((c, i) => (c.exhausted ? -1 : i)).filter((i) => i >= 0);
    if (open.length === 0 && this.improvedSinceReset) {
      this.improvedSinceReset = false;
      for (const c of this.coords) {
        if (c.movesOnly) continue;
        if (c.spec?.kind === "choice" && Math.round(c.spec.max - c.spec.min) + 1 > MAX_RANDOM_CHOICE_LEVELS)
          continue;
        c.exhausted = false;
        c.failures = 0;
      }
      open = this.coords.map((c, i) => (c.exhausted ? -1 : i)).filter((i) => i >= 0);
    }
    for (let k = 0; k < COORDINATES_PER_GENERATION && open.length > 0; k++) {
      const i = open.splice(this.rng.int(open.length), 1)[0]!;
      const c = this.coords[i]!;
      c.failures = 0;
      const moves =
        c.spec?.kind === "choice"
          ? [this.coordinateMove(i, 1)]
          : [this.coordinateMove(i, 1), this.coordinateMove(i, -1)];
      const real = moves.filter((m): m is Candidate => m !== undefined);
      // A direction that goes nowhere (at a bound) counts as failed.
      c.failures = moves.length - real.length + (c.spec?.kind === "choice" ? 1 : 0);
      if (real.length === 0) this.shrink(c);
      out.push(...real);
    }
    // Every coordinate exhausted and nothing improved since: a local optimum of the coordinate moves. The
    // structural moves (sampled) get about one round of their own before the climber gives up (a kick).
    const atOptimum = open.length === 0 && !this.improvedSinceReset;
    const structural = this.structuralCandidates();
    if (atOptimum && this.structuralTried >= structural.length) return out;
    const count = atOptimum ? 2 * COORDINATES_PER_GENERATION : STRUCTURAL_PER_GENERATION;
    for (let k = 0; k < count && structural.length > 0; k++) {
      out.push(structural.splice(this.rng.int(structural.length), 1)[0]!);
      if (atOptimum) this.structuralTried++;
    }
    return out;
  }

  private shrink(c: Coordinate): void {
    if (c.step <= c.minStep) c.exhausted = true;
    else c.step = c.spec ? Math.max(c.minStep, Math.floor(c.step / 2)) : Math.max(c.minStep, c.step / 2);
  }

  private absorb(batch: Candidate[], losses: Float64Array): void {
    let bestK = -1;
    const improving: number[] = [];
    batch.forEach((c, k) => {
      const loss = losses[k]!;
      this.opts.record(this.space, c.point, loss, this.source);
      if (loss < this.loss) {
        improving.push(k);
        if (bestK < 0 || loss < losses[bestK]!) bestK = k;
      }
    });
    // Coordinate moves: grow the step of an improving one, shrink a coordinate whose both directions failed.
    const failed = new Map<number, number>();
    batch.forEach((c, k) => {
      if (c.direction === 0 || c.coords.length !== 1) return;
      const coord = this.coords[c.coords[0]!]!;
      if (losses[k]! < this.loss) {
        coord.step = Math.min(coord.maxStep, coord.step * 2);
        coord.exhausted = false;
      } else failed.set(c.coords[0]!, (failed.get(c.coords[0]!) ?? 0) + 1);
    });
    for (const [i, n] of failed) {
      const coord = this.coords[i]!;
      if (n + coord.failures >= 2) this.shrink(coord);
    }
    if (bestK < 0) return;
    const best = batch[bestK]!;
    this.point = Float64Array.from(best.point);
    this.loss = losses[bestK]!;
    this.improvedSinceReset = true;
    this.structuralTried = 0;
    if (this.loss < this.bestLoss) {
      this.bestLoss = this.loss;
      this.bestPoint = Float64Array.from(this.point);
    }
    // The other improving moves on coordinates the applied one did not touch, best first.
    const touched = new Set(best.coords);
    this.carried = improving
      .filter(
        (k) => k !== bestK && batch[k]!.coords.length > 0 && batch[k]!.coords.every((i) => !touched.has(i)),
      )
      .sort((a, b) => losses[a]! - losses[b]!)
      .slice(0, CARRIED_MOVES)
      .map((k) => batch[k]!);
  }

  /** A few random moves from the best point; the climb restarts there with fresh steps. */
  private kick(): Candidate[] {
    this.kicks++;
    this.point = Float64Array.from(this.bestPoint);
    this.loss = this.bestLoss;
    let point = this.point;
    const structural = this.structuralCandidates();
    const changed: number[] = [];
    for (let k = 0; k < KICK_MOVES; k++) {
      if (structural.length > 0 && this.rng.next() < 0.5) {
        const m = structural[this.rng.int(structural.length)]!;
        for (const i of m.coords) point = this.withValue(i, this.plain(i, m.point), point) ?? point;
        changed.push(...m.coords);
        continue;
      }
      const i = this.rng.int(this.coords.length);
      const c = this.coords[i]!;
      if (c.movesOnly) continue;
      const span = c.spec ? Math.max(1, Math.round((c.spec.max - c.spec.min) * MAX_STEP)) : MAX_STEP;
      const delta =
        (this.rng.next() < 0.5 ? -1 : 1) * (c.spec ? 1 + this.rng.int(span) : this.rng.next() * span);
      const v = this.plain(i, point) + delta;
      point =
        (c.spec
          ? this.withValue(i, Math.min(c.spec.max, Math.max(c.spec.min, v)), point)
          : this.withValue(i, v, point)) ?? point;
      changed.push(i);
    }
    for (const c of this.coords) {
      if (c.movesOnly) continue;
      if (c.spec?.kind === "choice" && Math.round(c.spec.max - c.spec.min) + 1 > MAX_RANDOM_CHOICE_LEVELS)
        continue;
      c.exhausted = false;
      c.failures = 0;
      if (c.spec) {
        const range = Math.round(c.spec.max - c.spec.min);
        c.step = c.maxStep === 1 ? 1 : Math.max(1, Math.round(range * INITIAL_STEP));
      } else c.step = CONTINUOUS_STEP;
    }
    this.improvedSinceReset = false;
    this.structuralTried = 0;
    if (point === this.point) return [];
    // The kicked point is accepted whatever its loss (it is where the next climb starts).
    this.loss = Infinity;
    return [{ point, coords: changed, direction: 0, label: "kick" }];
  }
}

/** A parameter's coordinate: continuous ones in normalised units, integers and choices in plain levels. */
function coordinateOf(index: number, spec: ParamSpec, structural: boolean): Coordinate {
  if (spec.kind === "continuous") return continuousCoordinate(index, spec);
  const range = Math.round(spec.max - spec.min);
  const fixed = spec.kind === "choice" || structural;
  return {
    spec,
    index,
    step: fixed ? 1 : Math.max(1, Math.round(range * INITIAL_STEP)),
    minStep: 1,
    maxStep: fixed ? 1 : Math.max(1, Math.floor(range * MAX_STEP)),
    exhausted: spec.kind === "choice" && range + 1 > MAX_RANDOM_CHOICE_LEVELS,
    failures: 0,
  };
}

function continuousCoordinate(index: number, spec?: ParamSpec): Coordinate {
  return {
    spec: undefined,
    index,
    step: CONTINUOUS_STEP,
    minStep: CONTINUOUS_MIN_STEP,
    maxStep: MAX_STEP,
    exhausted: false,
    failures: spec ? 0 : 0,
  };
}

/** Climbers from up to `starts.length` distinct starts; the best point found by any of them. */
export async function refineLocally(
  opts: LocalSearchOptions,
  starts: LocalStart[],
): Promise<{ point: Float64Array; loss: number; space: SearchSpace; source: string; kicks: number }> {
  const climbers = starts.map((s, i) => new Climber(opts, s, opts.seed * 7919 + i + 1));
  const rounds = Math.ceil(Math.log2(Math.max(1, climbers.length)));
  let alive = climbers;
  for (let r = 0; r < rounds && alive.length > 1; r++) {
    const until = (r + 1) / (rounds + 1);
    while (opts.progress() < until) {
      const done = await Promise.all(alive.map((c) => c.step()));
      if (done.every((n) => n === 0)) break;
    }
    alive = [...alive].sort((a, b) => a.bestLoss - b.bestLoss).slice(0, Math.ceil(alive.length / 2));
  }
  const last = alive[0]!;
  while (opts.progress() < 1 && (await last.step()) > 0);
  const best = climbers.reduce((a, b) => (b.bestLoss < a.bestLoss ? b : a));
  return {
    point: best.bestPoint,
    loss: best.bestLoss,
    space: best.space,
    source: `${best.start.source}, local search`,
    kicks: climbers.reduce((n, c) => n + c.kicks, 0),
  };
}
