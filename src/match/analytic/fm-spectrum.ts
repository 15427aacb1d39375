/**
 * Spectra of a two-operator phase-modulation pair, predicted analytically and compared with a sound's
 * short-time spectra: sin(2π c u t + I sin(2π m u t)) = Σ_k J_k(I) sin(2π (c + k m) u t) (Bessel functions
 * of the first kind), lines below 0 Hz folded with a sign change, lines above Nyquist aliased (an engine
 * without band-limiting, as the DX7's, aliases them). Each line spreads over the bins of the Blackman-Harris
 * window's main lobe. Used to pick an FM pair's frequency ratios and its index over time without rendering anything.
 */
import { realFft } from "../../audio/fft.ts";
import { blackmanHarris } from "./harmonics.ts";

const SR = 44100;

/** The sound's short-time power spectra in dB, each frame floored `RANGE_DB` below its own maximum. */
export interface SpectralFrames {
  nFft: number;
  hop: number;
  binHz: number;
  /** Bins used (from 0 Hz up to `maxHz`). */
  bins: number;
  frames: number;
  /** Time of each frame's centre (s after the onset). */
  times: Float64Array;
  /** frames × bins, dB. */
  db: Float32Array;
  /** Total power of each frame in dB (over the bins used). */
  levelDb: Float64Array;
  /** Largest frame level. */
  peakDb: number;
  /** Each frame's floor (its maximum − RANGE_DB). */
  floorDb: Float64Array;
}

const RANGE_DB = 80;

export function spectralFrames(
  samples: Float32Array,
  nFft = 4096,
  hop = 1024,
  maxHz = 12000,
): SpectralFrames {
  const binHz = SR / nFft;
  const bins = Math.min(nFft / 2 + 1, Math.floor(maxHz / binHz) + 1);
  // Whole windows only: a window running past the end sees the sound cut off (broadband leakage).
  const frames = Math.max(1, Math.floor((samples.length - nFft) / hop) + 1);
  const fft = realFft(nFft);
  const win = Float32Array.from({ length: nFft }, (_, i) => blackmanHarris(i, nFft));
  const heap = fft.heap();
  const inBase = fft.inIndex;
  const outBase = fft.outIndex;
  const power = new Float64Array(bins);
  const db = new Float32Array(frames * bins);
  const levelDb = new Float64Array(frames);
  const times = new Float64Array(frames);
  const floorDb = new Float64Array(frames);
  let peakDb = -Infinity;
  for (let t = 0; t < frames; t++) {
    const start = t * hop;
    for (let i = 0; i < nFft; i++) {
      const j = start + i;
      heap[inBase + i] = j < samples.length ? samples[j]! * win[i]! : 0;
    }
    fft.run();
    let total = 0;
    let max = 0;
    for (let b = 0; b < bins; b++) {
      const re = b === 0 ? heap[outBase]! : b === nFft / 2 ? heap[outBase + 1]! : heap[outBase + 2 * b]!;
      const im = b === 0 || b === nFft / 2 ? 0 : heap[outBase + 2 * b + 1]!;
      const p = re * re + im * im;
      power[b] = p;
      total += p;
      if (p > max) max = p;
    }
    const floor = 10 * Math.log10(Math.max(max, 1e-30)) - RANGE_DB;
    floorDb[t] = floor;
    for (let b = 0; b < bins; b++) {
      const d = 10 * Math.log10(Math.max(power[b]!, 1e-30));
      db[t * bins + b] = d > floor ? d : floor;
    }
    levelDb[t] = 10 * Math.log10(Math.max(total, 1e-30));
    if (levelDb[t]! > peakDb) peakDb = levelDb[t]!;
    times[t] = (start + nFft / 2) / SR;
  }
  return { nFft, hop, binHz, bins, frames, times, db, levelDb, peakDb, floorDb };
}

/** J_0(x) … J_K(x) into `out` (Miller's backward recurrence, normalised by J_0 + 2 Σ J_2k = 1). */
export function besselJ(x: number, K: number, out: Float64Array): void {
  out.fill(0, 0, K + 1);
  if (Math.abs(x) < 1e-9) {
    out[0] = 1;
    return;
  }
  const top = Math.max(K, Math.ceil(Math.abs(x)));
  let M = top + 20 + Math.ceil(2 * Math.sqrt(top));
  if (M % 2) M++;
  let jp1 = 0;
  let j = 1e-30;
  let norm = 0;
  for (let k = M; k >= 1; k--) {
    const jm1 = ((2 * k) / x) * j - jp1;
    jp1 = j;
    j = jm1;
    // j is now J_{k−1}.
    if (k - 1 <= K) out[k - 1] = j;
    if ((k - 1) % 2 === 0 && k - 1 > 0) norm += 2 * j;
    if (Math.abs(j) > 1e200) {
      j *= 1e-200;
      jp1 *= 1e-200;
      norm *= 1e-200;
      for (let i = k - 1; i <= K; i++) out[i]! *= 1e-200;
    }
  }
  norm += j;
  for (let i = 0; i <= K; i++) out[i]! /= norm;
}

/**
 * Power response of the 4-term Blackman-Harris window at an offset of `d` bins (|W(d)|² / |W(0)|²), |d| < 4:
 * its sidelobes (−92 dB) stay below the frames' 80 dB range, so a line is its main lobe alone.
 */
const KERNEL_RES = 64;
const KERNEL_HALF = 4;
const BH = [0.35875, 0.48829, 0.14128, 0.01168];
const KERNEL = (() => {
  const n = 2 * KERNEL_HALF * KERNEL_RES + 1;
  const k = new Float64Array(n);
  const sinc = (x: number) => (Math.abs(x) < 1e-12 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));
  for (let i = 0; i < n; i++) {
    const d = i / KERNEL_RES - KERNEL_HALF;
    let w = BH[0]! * sinc(d);
    for (let j = 1; j < 4; j++) w += (BH[j]! / 2) * (sinc(d - j) + sinc(d + j));
    k[i] = (w * w) / (BH[0]! * BH[0]!);
  }
  return k;
})();

/**
 * Predicts and scores FM-pair spectra against a sound's frames (buffers reused; one per analysis). A
 * prediction touches only the bins near its lines, so a distance is the all-floor distance of the frame
 * (precomputed) corrected on those bins.
 */
export class FmPairModel {
  private readonly power: Float64Array;
  private readonly touched: Int32Array;
  private readonly mark: Uint8Array;
  private touchedCount = 0;
  private readonly predDb: Float64Array;
  /** Per frame: Σ over bins of |floor − dB| (the distance of a prediction that is silent everywhere). */
  private readonly floorDistance: Float64Array;
  private readonly bessel = new Float64Array(160);
  private readonly lineF = new Float64Array(512);
  private readonly lineA = new Float64Array(512);

  constructor(
    readonly frames: SpectralFrames,
    /** Frequency of ratio 1 (Hz). */
    readonly unitHz: number,
  ) {
    this.power = new Float64Array(frames.bins);
    this.predDb = new Float64Array(frames.bins);
    this.touched = new Int32Array(frames.bins);
    this.mark = new Uint8Array(frames.bins);
    this.floorDistance = new Float64Array(frames.frames);
    for (let t = 0; t < frames.frames; t++) {
      let acc = 0;
      for (let b = 0; b < frames.bins; b++) acc += frames.db[t * frames.bins + b]! - frames.floorDb[t]!;
      this.floorDistance[t] = acc;
    }
  }

  /** Lines of the pair (c, m, index) into lineF/lineA; returns their count (coincident lines summed). */
  private lines(c: number, m: number, index: number): number {
    const K = Math.min(150, Math.ceil(1.3 * index + 10));
    besselJ(index, K, this.bessel);
    let n = 0;
    const nyquist = SR / 2;
    for (let k = -K; k <= K; k++) {
      let a = this.bessel[Math.abs(k)]! * (k < 0 && k % 2 !== 0 ? -1 : 1);
      if (Math.abs(a) < 1e-6) continue;
      let f = (c + k * m) * this.unitHz;
      let moved = false;
      if (f < 0) {
        f = -f;
        a = -a;
        moved = true;
      }
      if (f >= SR) {
        f %= SR;
        moved = true;
      }
      if (f > nyquist) {
        f = SR - f;
        a = -a;
        moved = true;
      }
      // Lines in order of k are distinct; only a folded or aliased line can land on another one.
      let j = n;
      if (moved) {
        j = 0;
        while (j < n && Math.abs(this.lineF[j]! - f) > 1e-6) j++;
      }
      if (j < n) this.lineA[j]! += a;
      else if (n < this.lineF.length) {
        this.lineF[n] = f;
        this.lineA[n] = a;
        n++;
      }
    }
    return n;
  }

  /** Predict the spectrum of (c, m, index), normalised to a total power of 1; score it with `distance`. */
  predict(c: number, m: number, index: number): void {
    const p = this.power;
    for (let i = 0; i < this.touchedCount; i++) {
      p[this.touched[i]!] = 0;
      this.mark[this.touched[i]!] = 0;
    }
    this.touchedCount = 0;
    const n = this.lines(c, m, index);
    const binHz = this.frames.binHz;
    const bins = this.frames.bins;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const a2 = this.lineA[i]! * this.lineA[i]!;
      const centre = this.lineF[i]! / binHz;
      const lo = Math.max(0, Math.ceil(centre - KERNEL_HALF));
      const hi = Math.min(bins - 1, Math.floor(centre + KERNEL_HALF));
      for (let b = lo; b <= hi; b++) {
        const v = a2 * KERNEL[Math.round((b - centre + KERNEL_HALF) * KERNEL_RES)]!;
        if (this.mark[b] === 0) {
          this.mark[b] = 1;
          this.touched[this.touchedCount++] = b;
        }
        p[b]! += v;
        total += v;
      }
    }
    const inv = total > 0 ? 1 / total : 1;
    for (let i = 0; i < this.touchedCount; i++) {
      const b = this.touched[i]!;
      this.predDb[b] = 10 * Math.log10(Math.max(p[b]! * inv, 1e-30));
    }
  }

  /** Mean |Δ dB| between the last prediction, scaled to frame t's level, and frame t. */
  distance(t: number): number {
    const { bins, db, levelDb } = this.frames;
    const row = t * bins;
    const floor = this.frames.floorDb[t]!;
    const shift = levelDb[t]!;
    let acc = this.floorDistance[t]!;
    for (let i = 0; i < this.touchedCount; i++) {
      const b = this.touched[i]!;
      const target = db[row + b]!;
      let v = this.predDb[b]! + shift;
      if (v < floor) v = floor;
      acc += Math.abs(v - target) - (target - floor);
    }
    return acc / bins;
  }
}

/**
 * Index grid for distance tables: 0, then geometric from the smallest index the DX7 engine plays (below a
 * gain of 1120/2^24 it skips the operator: index 2π · 6.7e-5 ≈ 4.2e-4) to its largest (4π).
 */
export const INDEX_GRID_MIN = 4e-4;
export const INDEX_GRID_STEPS = 120;
export const INDEX_GRID = Float64Array.from({ length: INDEX_GRID_STEPS + 1 }, (_, i) =>
  i === 0 ? 0 : INDEX_GRID_MIN * ((4 * Math.PI) / INDEX_GRID_MIN) ** ((i - 1) / (INDEX_GRID_STEPS - 1)),
);

/** Fractional column of `index` in INDEX_GRID (linear in the index below the first step, in log above). */
export function indexGridPosition(index: number): number {
  if (index <= 0) return 0;
  if (index < INDEX_GRID_MIN) return index / INDEX_GRID_MIN;
  const pos =
    1 +
    ((INDEX_GRID_STEPS - 1) * Math.log(index / INDEX_GRID_MIN)) / Math.log((4 * Math.PI) / INDEX_GRID_MIN);
  return Math.min(INDEX_GRID_STEPS, pos);
}

/**
 * The pair's spectral distance to every frame at every index of INDEX_GRID: frames × (INDEX_GRID_STEPS + 1).
 * An envelope fit then looks its index trajectory up here instead of fitting an index measured per frame
 * (at high indices several indices explain a frame almost equally well; the table keeps them all).
 */
export function indexDistanceTable(model: FmPairModel, c: number, m: number): Float32Array {
  const { frames } = model.frames;
  const cols = INDEX_GRID_STEPS + 1;
  const out = new Float32Array(frames * cols);
  for (let g = 0; g < cols; g++) {
    model.predict(c, m, INDEX_GRID[g]!);
    for (let t = 0; t < frames; t++) out[t * cols + g] = model.distance(t);
  }
  return out;
}
