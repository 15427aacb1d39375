/**
 * CMA-ES (covariance matrix adaptation evolution strategy) with an ask/tell interface, for searching the
 * normalised [0, 1] parameter space of a synth.
 *
 * - Standard (μ/μ_w, λ) CMA-ES with rank-one and rank-μ updates and cumulative step-size adaptation, as
 *   specified in Hansen, "The CMA Evolution Strategy: A Tutorial" (arXiv:1604.00772). Above
 *   `fullCovarianceMaxDim` dimensions it switches to the diagonal (separable) variant of Ros & Hansen
 *   (2008), whose cost per sample is linear in the dimension.
 * - Bounds: the strategy lives in an unbounded genotype space; each coordinate is folded into [0, 1] by
 *   reflection (period 2) to give the phenotype that is evaluated. Every point of [0, 1] is reachable and
 *   the update never sees a clipped step.
 * - Integers and choices: every discrete coordinate keeps a minimum standard deviation (a fraction of its
 *   level spacing), so the probability of trying a neighbouring level never collapses to zero (the idea of
 *   CMA-ES with margin, Hamano et al. 2022). Choice coordinates (unordered) are also, with a small
 *   probability per sample, moved to a uniformly random level; such samples are treated as injected
 *   solutions (their step is capped in Mahalanobis length, as pycma does for injections).
 * - `CmaesSearch` adds restarts (BIPOP: alternating large, doubling populations and small, local ones),
 *   optional start points (warm starts) and a shared evaluation count, again as ask/tell.
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { Random } from "../util/random.ts";

export type DimensionKind = "continuous" | "integer" | "choice";

export interface CmaesOptions {
  /** Start point (phenotype, each coordinate in [0, 1]). */
  x0: ArrayLike<number>;
  /** Initial step size in [0, 1] units. Default 0.3. */
  sigma0?: number;
  /**
   * Per-coordinate scale of the initial step (the initial covariance is diag(scale²)); default 1 for all.
   * A coordinate the caller trusts (e.g. a frequency ratio computed from the spectrum) starts narrow and
   * widens only as the adaptation finds it useful.
   */
  stepScale?: ArrayLike<number>;
  /** Population size λ. Default 4 + ⌊3 ln n⌋. */
  popSize?: number;
  seed?: number;
  /** Kind of each dimension (default: all continuous). */
  kinds?: ArrayLike<DimensionKind>;
  /** Number of levels of each integer/choice dimension (ignored for continuous ones). */
  levels?: ArrayLike<number>;
  /** Use the diagonal variant above this dimension. Default 120. */
  fullCovarianceMaxDim?: number;
  /** Minimum standard deviation of a discrete dimension, as a fraction of its level spacing. Default 0.3. */
  discreteMargin?: number;
  /** Probability per sample and choice dimension of jumping to a random level. Default 0.04. */
  choiceJumpProbability?: number;
  /** Stop when every coordinate's standard deviation is below this (phenotype units). Default 1e-11. */
  tolX?: number;
  /** Stop when the recent best values and the current generation all lie within this range. Default 1e-12. */
  tolFun?: number;
  /** Stop after this many generations. Default 100 + 150 (n + 3)² / √λ. */
  maxGenerations?: number;
}

export interface Evaluated {
  x: Float64Array;
  f: number;
}

/** Fold a genotype coordinate into [0, 1] by reflection: …, -0.2 → 0.2, 1.3 → 0.7, 2.1 → 0.1, … */
export function reflectIntoUnit(g: number): number {
  let r = g % 2;
  if (r < 0) r += 2;
  return r <= 1 ? r : 2 - r;
}

/** One CMA-ES run (no restarts). `ask()` returns λ phenotypes in [0, 1]; `tell()` takes their fitness (lower is better). */
export class Cmaes {
  readonly n: number;
  readonly lambda: number;
  readonly mu: number;
  readonly diagonal: boolean;
  generation = 0;
  evaluations = 0;
  /** Best solution seen by this run. */
  best: Evaluated | undefined;

  private readonly rng: Random;
  private readonly weights: Float64Array;
  private readonly mueff: number;
  private readonly cc: number;
  private readonly cs: number;
  private readonly c1: number;
  private readonly cmu: number;
  private readonly damps: number;
  private readonly chiN: number;
  private readonly mean: Float64Array;
  private sigma: number;
  private readonly sigma0: number;
  private readonly pc: Float64Array;
  private readonly ps: Float64Array;
  /** Full: C (n×n, row-major), B (eigenvectors in columns) and D (sqrt of eigenvalues). Diagonal: C and D only. */
  private readonly C: Float64Array;
  private readonly B: Float64Array;
  private readonly D: Float64Array;
  private eigenGeneration = 0;
  private readonly eigenEvery: number;
  private readonly minStd: Float64Array;
  private readonly isChoice: Uint8Array;
  private readonly levels: Float64Array;
  private readonly choiceJumpProbability: number;
  private readonly tolX: number;
  private readonly tolFun: number;
  private readonly maxGenerations: number;
  private readonly cy: number;

  // Per-generation buffers (preallocated).
  private readonly genotypes: Float64Array[];
  private readonly phenotypes: Float64Array[];
  private readonly steps: Float64Array[];
  private readonly injected: Uint8Array;
  private readonly z: Float64Array;
  private readonly tmp: Float64Array;
  private readonly order: number[];
  private asked = false;
  private pendingInjections: Float64Array[] = [];

  private readonly bestHistory: number[] = [];
  private readonly medianHistory: number[] = [];
  private stopReason: string | undefined;

  constructor(opts: CmaesOptions) {
    const n = opts.x0.length;
    if (n < 1) throw new Error("CMA-ES needs at least one dimension");
    this.n = n;
    this.rng = new Random(opts.seed ?? 1);
    this.lambda = Math.max(2, Math.floor(opts.popSize ?? 4 + Math.floor(3 * Math.log(n))));
    this.mu = Math.floor(this.lambda / 2);
    this.diagonal = n > (opts.fullCovarianceMaxDim ?? 120);

    const w = new Float64Array(this.mu);
    let sum = 0;
    for (let i = 0; i < this.mu; i++) sum += w[i] = Math.log((this.lambda + 1) / 2) - Math.log(i + 1);
    let sumSq = 0;
    for (let i = 0; i < this.mu; i++) {
      w[i]! /= sum;
      sumSq += w[i]! * w[i]!;
    }
    this.weights = w;
    this.mueff = 1 / sumSq;
    const me = this.mueff;
    this.cc = (4 + me / n) / (n + 4 + (2 * me) / n);
    this.cs = (me + 2) / (n + me + 5);
    let c1 = 2 / ((n + 1.3) ** 2 + me);
    let cmu = Math.min(1 - c1, (2 * (me - 2 + 1 / me)) / ((n + 2) ** 2 + me));
    if (this.diagonal) {
      const boost = (n + 2) / 3;
      c1 = Math.min(1, c1 * boost);
      cmu = Math.min(1 - c1, cmu * boost);
    }
    this.c1 = c1;
    this.cmu = cmu;
    this.damps = 1 + 2 * Math.max(0, Math.sqrt((me - 1) / (n + 1)) - 1) + this.cs;
    this.chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    this.cy = Math.sqrt(n) + (2 * n) / (n + 2);

    this.mean = new Float64Array(n);
    for (let i = 0; i < n; i++) this.mean[i] = Math.min(1, Math.max(0, Number(opts.x0[i])));
    this.sigma0 = this.sigma = opts.sigma0 ?? 0.3;
    this.pc = new Float64Array(n);
    this.ps = new Float64Array(n);
    if (this.diagonal) {
      this.C = new Float64Array(n).fill(1);
      this.B = new Float64Array(0);
    } else {
      this.C = new Float64Array(n * n);
      this.B = new Float64Array(n * n);
      for (let i = 0; i < n; i++) this.C[i * n + i] = this.B[i * n + i] = 1;
    }
    this.D = new Float64Array(n).fill(1);
    if (opts.stepScale) {
      for (let i = 0; i < n; i++) {
        const sc = Math.max(1e-3, Number(opts.stepScale[i] ?? 1));
        this.D[i] = sc;
        if (this.diagonal) this.C[i] = sc * sc;
        else this.C[i * n + i] = sc * sc;
      }
    }
    this.eigenEvery = this.diagonal ? 1 : Math.max(1, Math.floor(1 / ((c1 + cmu) * n * 10)));

    const margin = opts.discreteMargin ?? 0.3;
    this.minStd = new Float64Array(n);
    this.isChoice = new Uint8Array(n);
    this.levels = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const kind = opts.kinds?.[i] ?? "continuous";
      const k = Math.max(1, Math.round(Number(opts.levels?.[i] ?? 0)));
      if (kind === "continuous" || k < 2) continue;
      this.levels[i] = k;
      this.minStd[i] = margin / (k - 1);
      if (kind === "choice") this.isChoice[i] = 1;
    }
    this.choiceJumpProbability = opts.choiceJumpProbability ?? 0.04;
    this.tolX = opts.tolX ?? 1e-11;
    this.tolFun = opts.tolFun ?? 1e-12;
    this.maxGenerations =
      opts.maxGenerations ?? Math.ceil(100 + (150 * (n + 3) ** 2) / Math.sqrt(this.lambda));

    this.genotypes = Array.from({ length: this.lambda }, () => new Float64Array(n));
    this.phenotypes = Array.from({ length: this.lambda }, () => new Float64Array(n));
    this.steps = Array.from({ length: this.lambda }, () => new Float64Array(n));
    this.injected = new Uint8Array(this.lambda);
    this.z = new Float64Array(n);
    this.tmp = new Float64Array(n);
    this.order = Array.from({ length: this.lambda }, (_, i) => i);
  }

  /** Current step size. */
  get stepSize(): number {
    return this.sigma;
  }

  /** The current mean, folded into [0, 1]. */
  meanPhenotype(): Float64Array {
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = reflectIntoUnit(this.mean[i]!);
    return out;
  }

  /** Have one of the next samples be `x` (a phenotype in [0, 1]), e.g. a solution found elsewhere. */
  inject(x: ArrayLike<number>): void {
    if (x.length !== this.n) throw new Error(`inject: expected ${this.n} coordinates, got ${x.length}`);
    this.pendingInjections.push(Float64Array.from(x, (v) => Math.min(1, Math.max(0, v))));
  }

  /** λ new candidates (phenotypes in [0, 1]). The arrays are reused: copy them if you keep them. */
  ask(): Float64Array[] {
    if (this.asked) throw new Error("ask() called twice without tell()");
    this.asked = true;
    const n = this.n;
    for (let k = 0; k < this.lambda; k++) {
      const g = this.genotypes[k]!;
      const y = this.steps[k]!;
      this.injected[k] = 0;
      const inj = this.pendingInjections.shift();
      if (inj) {
        for (let i = 0; i < n; i++) g[i] = nearestGenotype(this.mean[i]!, inj[i]!);
        this.injected[k] = 1;
      } else {
        this.sampleStep(y);
        for (let i = 0; i < n; i++) {
          let gi = this.mean[i]! + this.sigma * y[i]!;
          const minStd = this.minStd[i]!;
          if (minStd > 0) {
            const std = this.sigma * this.coordinateStd(i);
            if (std < minStd) gi += Math.sqrt(minStd * minStd - std * std) * this.rng.normal();
            if (this.isChoice[i] && this.rng.next() < this.choiceJumpProbability) {
              const level = this.rng.int(this.levels[i]!);
              gi = nearestGenotype(this.mean[i]!, level / (this.levels[i]! - 1));
              this.injected[k] = 1;
            }
          }
          g[i] = gi;
        }
      }
      const p = this.phenotypes[k]!;
      for (let i = 0; i < n; i++) {
        y[i] = (g[i]! - this.mean[i]!) / this.sigma;
        p[i] = reflectIntoUnit(g[i]!);
      }
      if (this.injected[k]) this.capMahalanobis(y);
    }
    return this.phenotypes;
  }

  /** Fitness of the candidates of the last `ask()`, in the same order (lower is better; NaN counts as worst). */
  tell(fitness: ArrayLike<number>): void {
    if (!this.asked) throw new Error("tell() without ask()");
    if (fitness.length !== this.lambda)
      throw new Error(`tell: expected ${this.lambda} values, got ${fitness.length}`);
    this.asked = false;
    const n = this.n;
    const f = (k: number) => {
      const v = Number(fitness[k]);
      return Number.isNaN(v) ? Infinity : v;
    };
    const order = this.order;
    for (let k = 0; k < this.lambda; k++) order[k] = k;
    order.sort((a, b) => f(a) - f(b));
    this.evaluations += this.lambda;
    this.generation++;

    const bestK = order[0]!;
    if (!this.best || f(bestK) < this.best.f) {
      this.best = { x: Float64Array.from(this.phenotypes[bestK]!), f: f(bestK) };
    }

    // Mean: weighted recombination of the μ best steps.
    const ymean = this.tmp;
    ymean.fill(0);
    for (let j = 0; j < this.mu; j++) {
      const y = this.steps[order[j]!]!;
      const wj = this.weights[j]!;
      for (let i = 0; i < n; i++) ymean[i] += wj * y[i]!;
    }
    for (let i = 0; i < n; i++) this.mean[i] += this.sigma * ymean[i]!;

    // Step-size path, using C^{-1/2} ymean.
    const cInvHalfY = this.invSqrtTimes(ymean, this.z);
    const csFactor = Math.sqrt(this.cs * (2 - this.cs) * this.mueff);
    let psNorm2 = 0;
    for (let i = 0; i < n; i++) {
      this.ps[i] = (1 - this.cs) * this.ps[i]! + csFactor * cInvHalfY[i]!;
      psNorm2 += this.ps[i]! * this.ps[i]!;
    }
    const psNorm = Math.sqrt(psNorm2);
    const hsig =
      psNorm / Math.sqrt(1 - Math.pow(1 - this.cs, 2 * this.generation)) / this.chiN < 1.4 + 2 / (n + 1)
        ? 1
        : 0;
    const ccFactor = hsig * Math.sqrt(this.cc * (2 - this.cc) * this.mueff);
    for (let i = 0; i < n; i++) this.pc[i] = (1 - this.cc) * this.pc[i]! + ccFactor * ymean[i]!;

    // Covariance: rank-one and rank-μ.
    const decay = 1 - this.c1 - this.cmu + (1 - hsig) * this.c1 * this.cc * (2 - this.cc);
    const C = this.C;
    if (this.diagonal) {
      for (let i = 0; i < n; i++) {
        let rankMu = 0;
        for (let j = 0; j < this.mu; j++) {
          const yi = this.steps[order[j]!]![i]!;
          rankMu += this.weights[j]! * yi * yi;
        }
        C[i] = decay * C[i]! + this.c1 * this.pc[i]! * this.pc[i]! + this.cmu * rankMu;
      }
    } else {
      for (let r = 0; r < n; r++) {
        for (let c = 0; c <= r; c++) {
          let rankMu = 0;
          for (let j = 0; j < this.mu; j++) {
            const y = this.steps[order[j]!]!;
            rankMu += this.weights[j]! * y[r]! * y[c]!;
          }
          const v = decay * C[r * n + c]! + this.c1 * this.pc[r]! * this.pc[c]! + this.cmu * rankMu;
          C[r * n + c] = v;
          C[c * n + r] = v;
        }
      }
    }

    // Step size (the exponent is capped so that one generation cannot blow σ up).
    this.sigma *= Math.exp(Math.min(1, (this.cs / this.damps) * (psNorm / this.chiN - 1)));

    // A flat fitness landscape around the mean (common with discrete parameters): widen the search.
    const kth = order[Math.min(this.lambda - 1, Math.ceil(0.1 + this.lambda / 4))]!;
    if (f(order[0]!) === f(kth)) this.sigma *= Math.exp(0.2 + this.cs / this.damps);

    this.updateEigen();

    // Keep the mean's genotype near [0, 1] (reflection has period 2, so shifting by 2 changes nothing).
    for (let i = 0; i < n; i++) {
      const m = this.mean[i]!;
      if (m < -1 || m > 2) this.mean[i] = m - 2 * Math.floor(m / 2);
    }

    this.bestHistory.push(f(order[0]!));
    this.medianHistory.push(f(order[Math.floor(this.lambda / 2)]!));
    this.stopReason = this.checkStop(f(order[0]!), f(order[this.lambda - 1]!));
  }

  /** Why this run should stop (undefined while it should go on). */
  shouldStop(): string | undefined {
    return this.stopReason;
  }

  private coordinateStd(i: number): number {
    return Math.sqrt(this.diagonal ? this.C[i]! : this.C[i * this.n + i]!);
  }

  /** y = B D z with z ~ N(0, I). */
  private sampleStep(y: Float64Array): void {
    const n = this.n;
    const z = this.z;
    for (let i = 0; i < n; i++) z[i] = this.D[i]! * this.rng.normal();
    if (this.diagonal) {
      for (let i = 0; i < n; i++) y[i] = z[i]!;
      return;
    }
    const B = this.B;
    for (let r = 0; r < n; r++) {
      let s = 0;
      const row = r * n;
      for (let c = 0; c < n; c++) s += B[row + c]! * z[c]!;
      y[r] = s;
    }
  }

  /** out = C^{-1/2} v = B D⁻¹ Bᵀ v. */
  private invSqrtTimes(v: Float64Array, out: Float64Array): Float64Array {
    const n = this.n;
    if (this.diagonal) {
      for (let i = 0; i < n; i++) out[i] = v[i]! / this.D[i]!;
      return out;
    }
    const B = this.B;
    const t = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += B[r * n + c]! * v[r]!;
      t[c] = s / this.D[c]!;
    }
    for (let r = 0; r < n; r++) {
      let s = 0;
      const row = r * n;
      for (let c = 0; c < n; c++) s += B[row + c]! * t[c]!;
      out[r] = s;
    }
    return out;
  }

  /** Scale an injected step down so that its Mahalanobis length is at most c_y. */
  private capMahalanobis(y: Float64Array): void {
    const t = this.invSqrtTimes(y, new Float64Array(this.n));
    let norm2 = 0;
    for (let i = 0; i < this.n; i++) norm2 += t[i]! * t[i]!;
    const norm = Math.sqrt(norm2);
    if (norm > this.cy) {
      const s = this.cy / norm;
      for (let i = 0; i < this.n; i++) y[i]! *= s;
    }
  }

  private updateEigen(): void {
    const n = this.n;
    if (this.diagonal) {
      for (let i = 0; i < n; i++) this.D[i] = Math.sqrt(Math.max(this.C[i]!, 1e-300));
      return;
    }
    if (this.generation - this.eigenGeneration < this.eigenEvery) return;
    this.eigenGeneration = this.generation;
    const m = new Matrix(n, n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) m.set(r, c, this.C[r * n + c]!);
    const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
    const values = evd.realEigenvalues;
    const vectors = evd.eigenvectorMatrix;
    for (let c = 0; c < n; c++) {
      this.D[c] = Math.sqrt(Math.max(values[c]!, 1e-300));
      for (let r = 0; r < n; r++) this.B[r * n + c] = vectors.get(r, c);
    }
  }

  private checkStop(bestF: number, worstF: number): string | undefined {
    const n = this.n;
    if (this.generation >= this.maxGenerations) return "max-generations";
    if (!Number.isFinite(this.sigma) || this.sigma <= 0) return "sigma-invalid";
    let maxStd = 0;
    let allSmall = true;
    for (let i = 0; i < n; i++) {
      const std = this.sigma * this.coordinateStd(i);
      maxStd = Math.max(maxStd, std);
      if (std >= this.tolX || this.sigma * Math.abs(this.pc[i]!) >= this.tolX) allSmall = false;
    }
    if (allSmall) return "tol-x";
    if (maxStd > 1e3 * this.sigma0 * Math.max(1, this.sigma0)) return "tol-x-up";
    const histLen = 10 + Math.ceil((30 * n) / this.lambda);
    if (this.bestHistory.length >= histLen) {
      let lo = worstF;
      let hi = bestF;
      const h = this.bestHistory;
      for (let k = h.length - histLen; k < h.length; k++) {
        lo = Math.min(lo, h[k]!);
        hi = Math.max(hi, h[k]!);
      }
      lo = Math.min(lo, bestF);
      hi = Math.max(hi, worstF);
      if (hi - lo < this.tolFun) return "tol-fun";
    }
    let dMax = 0;
    let dMin = Infinity;
    for (let i = 0; i < n; i++) {
      dMax = Math.max(dMax, this.D[i]!);
      dMin = Math.min(dMin, this.D[i]!);
    }
    if ((dMax / dMin) ** 2 > 1e14) return "condition-cov";
    let noEffectCoord = true;
    for (let i = 0; i < n; i++) {
      const m = this.mean[i]!;
      if (m + 0.2 * this.sigma * this.coordinateStd(i) !== m) {
        noEffectCoord = false;
        break;
      }
    }
    if (noEffectCoord) return "no-effect-coord";
    const stagnationLen = Math.ceil(120 + (30 * n) / this.lambda);
    const hb = this.bestHistory;
    if (hb.length > stagnationLen && hb.length > 20) {
      const span = Math.max(20, Math.floor(hb.length * 0.3));
      const window = Math.floor(span * 0.2) || 1;
      const recent = hb.length - span;
      if (
        median(hb.slice(-window)) >= median(hb.slice(recent, recent + window)) &&
        median(this.medianHistory.slice(-window)) >= median(this.medianHistory.slice(recent, recent + window))
      ) {
        return "stagnation";
      }
    }
    return undefined;
  }
}

/** The genotype closest to `mean` whose reflection is the phenotype `p`. */
function nearestGenotype(mean: number, p: number): number {
  const base = 2 * Math.round(mean / 2);
  let best = base + p;
  for (const c of [base - p, base + p, base + 2 - p, base - 2 + p]) {
    if (Math.abs(c - mean) < Math.abs(best - mean)) best = c;
  }
  return best;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface SearchStart {
  x0: ArrayLike<number>;
  sigma0?: number;
  /** Per-coordinate initial step scale for this run (see CmaesOptions.stepScale); default none. */
  stepScale?: ArrayLike<number>;
}

export interface CmaesSearchOptions extends Omit<
  CmaesOptions,
  "x0" | "seed" | "popSize" | "sigma0" | "stepScale"
> {
  dim: number;
  seed?: number;
  /** Start of the first run; later runs start from `nextStart` or from a uniformly random point. */
  x0?: ArrayLike<number>;
  sigma0?: number;
  /** Initial step scale of the first run (later runs: their SearchStart's). */
  stepScale?: ArrayLike<number>;
  /** Default population size of the first run (and of the small-population regime). */
  popSize?: number;
  /** A start point for restart number `restart` (1-based), or undefined for a random one. */
  nextStart?: (restart: number, rng: Random) => SearchStart | undefined;
  /** "bipop" (default) or "ipop" (population doubles at every restart). */
  restarts?: "bipop" | "ipop" | "none";
  /** Cap on the population size of restarts. Default 16 × the default population. */
  maxPopSize?: number;
}

/** CMA-ES with restarts, as one ask/tell optimiser. Minimises; `best` holds the best point ever seen. */
export class CmaesSearch {
  readonly dim: number;
  run: Cmaes;
  restarts = 0;
  evaluations = 0;
  best: Evaluated | undefined;
  /** Why each finished run stopped. */
  readonly history: Array<{ popSize: number; evaluations: number; best: number; reason: string }> = [];

  private readonly opts: CmaesSearchOptions;
  private readonly rng: Random;
  private readonly defaultPop: number;
  private largeRuns = 0;
  private largeBudget = 0;
  private smallBudget = 0;
  private runIsLarge = true;
  private runStartEvaluations = 0;

  constructor(opts: CmaesSearchOptions) {
    this.opts = opts;
    this.dim = opts.dim;
    this.rng = new Random(opts.seed ?? 1);
    this.defaultPop = opts.popSize ?? 4 + Math.floor(3 * Math.log(opts.dim));
    const x0 = opts.x0 ?? Float64Array.from({ length: opts.dim }, () => this.rng.next());
    this.run = this.newRun(x0, opts.sigma0 ?? 0.3, this.defaultPop, opts.stepScale);
  }

  /** Population size of the current run. */
  get popSize(): number {
    return this.run.lambda;
  }

  ask(): Float64Array[] {
    return this.run.ask();
  }

  tell(fitness: ArrayLike<number>): void {
    this.run.tell(fitness);
    this.evaluations += this.run.lambda;
    const b = this.run.best;
    if (b && (!this.best || b.f < this.best.f)) this.best = { x: Float64Array.from(b.x), f: b.f };
    const reason = this.run.shouldStop();
    if (reason && this.opts.restarts !== "none") this.restart(reason);
  }

  /** Have one of the next samples be `x`. */
  inject(x: ArrayLike<number>): void {
    this.run.inject(x);
  }

  /** Whether the search cannot go on (only without restarts). */
  finished(): boolean {
    return this.opts.restarts === "none" && this.run.shouldStop() !== undefined;
  }

  private restart(reason: string): void {
    const used = this.evaluations - this.runStartEvaluations;
    this.history.push({
      popSize: this.run.lambda,
      evaluations: used,
      best: this.run.best?.f ?? Infinity,
      reason,
    });
    if (this.runIsLarge) this.largeBudget += used;
    else this.smallBudget += used;
    this.restarts++;
    const maxPop = this.opts.maxPopSize ?? 16 * this.defaultPop;
    const sigmaDefault = this.opts.sigma0 ?? 0.3;
    const start = this.opts.nextStart?.(this.restarts, this.rng);
    const x0 = start?.x0 ?? Float64Array.from({ length: this.dim }, () => this.rng.next());
    let pop: number;
    let sigma = start?.sigma0 ?? sigmaDefault;
    const largePop = () => Math.min(maxPop, this.defaultPop * 2 ** (this.largeRuns + 1));
    if (this.opts.restarts === "ipop" || this.smallBudget >= this.largeBudget) {
      this.largeRuns++;
      pop = Math.min(maxPop, this.defaultPop * 2 ** this.largeRuns);
      this.runIsLarge = true;
    } else {
      const u = this.rng.next();
      pop = Math.max(
        this.defaultPop,
        Math.floor(this.defaultPop * Math.pow((0.5 * largePop()) / this.defaultPop, u * u)),
      );
      if (!start?.sigma0) sigma = sigmaDefault * Math.pow(10, -2 * this.rng.next());
      this.runIsLarge = false;
    }
    this.run = this.newRun(x0, sigma, pop, start?.stepScale);
    this.runStartEvaluations = this.evaluations;
  }

  private newRun(
    x0: ArrayLike<number>,
    sigma0: number,
    popSize: number,
    stepScale?: ArrayLike<number>,
  ): Cmaes {
    const o = this.opts;
    return new Cmaes({
      ...o,
      x0,
      sigma0,
      popSize,
      stepScale,
      seed: this.rng.nextUint32(),
    });
  }
}
