import { PatchsmithError } from "../errors.ts";
import { polyphaseSimd } from "./resample-simd.ts";

/**
 * Band-limited resampling with a Kaiser-windowed sinc kernel.
 *
 * Output sample k is the band-limited signal evaluated at time k / toRate (the kernel is symmetric and
 * centred on that instant), so there is no time shift. Samples beyond both ends count as zero.
 *
 * Design, relative to the lower of the two rates (fMin):
 * - passband flat (ripple < 0.001 dB) up to 0.45 · fMin;
 * - stopband from 0.5 · fMin with ≥ 100 dB rejection by design (Kaiser β ≈ 10), so nothing aliases;
 * - the cut-off sits in the middle of the 0.45–0.5 transition band.
 *
 * Rational ratios with a small reduced numerator (every common pair of audio rates) use an exact
 * polyphase table; other ratios use a finely sampled kernel table with linear interpolation between
 * phases (interpolation error below −120 dB).
 */

const PASS_EDGE = 0.45;
const STOP_EDGE = 0.5;
const ATTENUATION_DB = 100;
/** Largest reduced up-sampling factor given its own exact polyphase table. */
const MAX_EXACT_PHASES = 1024;
/** Phases per input sample of the interpolated kernel table used for other ratios. */
const TABLE_PHASES = 1024;
/** Largest kernel table built (floats): 128 MB. */
const MAX_TABLE_ENTRIES = 2 ** 25;

export interface ResampleOptions {
  /** Use the WebAssembly SIMD loop when available (default true); false forces the JavaScript loop. */
  simd?: boolean;
}

export function resample(
  x: Float32Array,
  fromRate: number,
  toRate: number,
  options: ResampleOptions = {},
): Float32Array {
  checkRate(fromRate, "source");
  checkRate(toRate, "target");
  const outLength = Math.round((x.length * toRate) / fromRate);
  if (fromRate === toRate) return x.slice();
  if (outLength === 0) return new Float32Array(0);
  const kernel = designKernel(fromRate, toRate);
  const intRatio = Number.isInteger(fromRate) && Number.isInteger(toRate);
  const g = intRatio ? gcd(fromRate, toRate) : 0;
  const exact = intRatio && toRate / g <= MAX_EXACT_PHASES;
  // The kernel spans ~256 input samples per unit of down-sampling ratio; refuse absurd ratios rather
  // than allocate gigabytes (every ratio between audio rates is far below this).
  const tableEntries = 2 * kernel.halfWidth * (exact ? toRate / g : TABLE_PHASES + 1);
  if (tableEntries > MAX_TABLE_ENTRIES) {
    throw new PatchsmithError(
      "bad-sample-rate",
      `resampling ${fromRate} Hz to ${toRate} Hz needs too large a filter`,
    );
  }
  if (exact) return resamplePolyphase(x, outLength, toRate / g, fromRate / g, kernel, options.simd ?? true);
  return resampleInterpolated(x, outLength, fromRate / toRate, kernel);
}

function checkRate(rate: number, which: string): void {
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new PatchsmithError(
      "bad-sample-rate",
      `${which} sample rate must be a positive number, got ${rate}`,
    );
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

interface Kernel {
  /** Cut-off in cycles per input sample. */
  cutoff: number;
  /** Half the kernel's support, in input samples. */
  halfWidth: number;
  beta: number;
}

function designKernel(fromRate: number, toRate: number): Kernel {
  const fMin = Math.min(fromRate, toRate);
  const cutoffHz = ((PASS_EDGE + STOP_EDGE) / 2) * fMin;
  const transitionHz = (STOP_EDGE - PASS_EDGE) * fMin;
  // Kaiser's estimate of the length for a given attenuation and transition width (in units of fromRate).
  const taps = (ATTENUATION_DB - 7.95) / (14.36 * (transitionHz / fromRate));
  const beta = 0.1102 * (ATTENUATION_DB - 8.7);
  return { cutoff: cutoffHz / fromRate, halfWidth: Math.ceil(taps / 2) + 1, beta };
}

/** Kernel value at a distance of t input samples from the output instant. */
function kernelAt(k: Kernel, t: number, i0beta: number): number {
  const r = t / k.halfWidth;
  if (r <= -1 || r >= 1) return 0;
  const w = besselI0(k.beta * Math.sqrt(1 - r * r)) / i0beta;
  const a = 2 * Math.PI * k.cutoff * t;
  const s = t === 0 ? 2 * k.cutoff : (2 * k.cutoff * Math.sin(a)) / a;
  return s * w;
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let m = 1; m < 200; m++) {
    term *= q / (m * m);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * Exact rational resampling by up/down (reduced). Output k sits at input position k·down/up =
 * base + phase/up; phase p's taps are the kernel at (base + j) − position for j in the support.
 */
function resamplePolyphase(
  x: Float32Array,
  outLength: number,
  up: number,
  down: number,
  k: Kernel,
  simd: boolean,
): Float32Array {
  const hw = k.halfWidth;
  // Taps j = 0 .. 2·hw−1 sit at input samples base − (hw−1) + j, covering |t| < hw for every phase;
  // rows are padded with zeros to a multiple of 4 for the SIMD loop.
  const used = 2 * hw;
  const taps = Math.ceil(used / 4) * 4;
  const table = polyphaseTable(up, down, taps, used, k);
  const fast = simd ? polyphaseSimd(x, table, taps, hw, up, down, outLength) : null;
  if (fast) return fast;
  const out = new Float32Array(outLength);
  const n = x.length;
  let base = 0;
  let phase = 0;
  for (let o = 0; o < outLength; o++) {
    const start = base - (hw - 1);
    const row = phase * taps;
    let acc = 0;
    if (start >= 0 && start + taps <= n) {
      for (let j = 0; j < taps; j++) acc += x[start + j]! * table[row + j]!;
    } else {
      const j0 = Math.max(0, -start);
      const j1 = Math.min(taps, n - start);
      for (let j = j0; j < j1; j++) acc += x[start + j]! * table[row + j]!;
    }
    out[o] = acc;
    phase += down;
    const step = Math.floor(phase / up);
    phase -= step * up;
    base += step;
  }
  return out;
}

/**
 * Tables are a pure function of the ratio, and analysis resamples many short files at the same few
 * ratios, so the last few are kept (read-only once built).
 */
const tableCache = new Map<string, Float32Array>();
const TABLE_CACHE_SIZE = 8;

function polyphaseTable(up: number, down: number, taps: number, used: number, k: Kernel): Float32Array {
  const key = `${up}/${down}`;
  const cached = tableCache.get(key);
  if (cached) return cached;
  const table = new Float32Array(up * taps);
  const i0beta = besselI0(k.beta);
  for (let p = 0; p < up; p++) fillRow(table, p * taps, used, k, k.halfWidth, p / up, i0beta);
  if (tableCache.size >= TABLE_CACHE_SIZE) tableCache.delete(tableCache.keys().next().value!);
  tableCache.set(key, table);
  return table;
}

/** One phase of the kernel, normalised to unit gain at DC (removes the kernel's tiny per-phase ripple). */
function fillRow(
  table: Float32Array | Float64Array,
  at: number,
  used: number,
  k: Kernel,
  hw: number,
  frac: number,
  i0beta: number,
): void {
  let sum = 0;
  for (let j = 0; j < used; j++) {
    const v = kernelAt(k, j - (hw - 1) - frac, i0beta);
    table[at + j] = v;
    sum += v;
  }
  const g = 1 / sum;
  for (let j = 0; j < used; j++) table[at + j] *= g;
}

/**
 * Any ratio: the kernel tabulated at TABLE_PHASES phases per input sample and linearly interpolated
 * between the two phases around each output instant (both rows have unit DC gain, so their blend has too).
 */
function resampleInterpolated(x: Float32Array, outLength: number, step: number, k: Kernel): Float32Array {
  const hw = k.halfWidth;
  const taps = 2 * hw;
  const rows = TABLE_PHASES + 1;
  const table = new Float64Array(rows * taps);
  const i0beta = besselI0(k.beta);
  for (let p = 0; p < rows; p++) fillRow(table, p * taps, taps, k, hw, p / TABLE_PHASES, i0beta);
  const out = new Float32Array(outLength);
  const n = x.length;
  for (let o = 0; o < outLength; o++) {
    const pos = o * step;
    const base = Math.floor(pos);
    const f = (pos - base) * TABLE_PHASES;
    const p = Math.min(TABLE_PHASES - 1, Math.floor(f));
    const w = f - p;
    const rowA = p * taps;
    const rowB = rowA + taps;
    const start = base - (hw - 1);
    const j0 = Math.max(0, -start);
    const j1 = Math.min(taps, n - start);
    let a = 0;
    let b = 0;
    for (let j = j0; j < j1; j++) {
      const s = x[start + j]!;
      a += s * table[rowA + j]!;
      b += s * table[rowB + j]!;
    }
    out[o] = a + w * (b - a);
  }
  return out;
}
