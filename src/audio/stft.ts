// Short-time Fourier transform with the framing of DESIGN §5 (zero-pad the end to n_fft + k·hop, frames at
// 0, hop, 2·hop …, periodic Hann, no centring), or librosa-style centred framing (n_fft/2 zeros each side).
import { realFft } from "./fft.ts";
import { realPowerSpectrum64 } from "./fft64.ts";

/** A frames × bins matrix, frame-major: value of bin b in frame t is data[t * bins + b]. */
export interface Spectrogram {
  frames: number;
  bins: number;
  data: Float32Array;
}

export interface StftOptions {
  nFft: number;
  hop: number;
  /** librosa `center=True` with zero padding: frames = 1 + floor(len / hop). Default false (§5 framing). */
  center?: boolean;
  /** "power" |X|² (default) or "magnitude" |X|. */
  kind?: "power" | "magnitude";
  /** Double-precision FFT (fft64.ts) instead of pffft's single precision: slower, exact to ~1e-15. */
  precise?: boolean;
}

/** Number of frames of the §5 framing: smallest k ≥ 0 with len ≤ n_fft + k·hop, plus one. */
export function frameCount(length: number, nFft: number, hop: number, center = false): number {
  if (center) return 1 + Math.floor(length / hop);
  return 1 + Math.max(0, Math.ceil((length - nFft) / hop));
}

const windows = new Map<number, Float32Array>();

/** Periodic Hann window: w[n] = 0.5 − 0.5·cos(2πn/N) (scipy `get_window("hann", N)`). */
export function periodicHann(n: number): Float32Array {
  let w = windows.get(n);
  if (!w) {
    w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    windows.set(n, w);
  }
  return w;
}

const windows64 = new Map<number, Float64Array>();

/** The periodic Hann window in double precision. */
export function periodicHann64(n: number): Float64Array {
  let w = windows64.get(n);
  if (!w) {
    w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    windows64.set(n, w);
  }
  return w;
}

/**
 * Copy frame `x[start … start + n)` (zeros outside the signal) into the FFT's input area, unwindowed.
 * The periodic Hann window is applied afterwards in the frequency domain (`hannPower`), which is exact
 * and cheaper than multiplying in the time domain.
 */
export function loadFrame(
  heap: Float32Array,
  inBase: number,
  n: number,
  x: Float32Array,
  start: number,
): void {
  const from = Math.max(0, -start);
  const to = Math.min(n, x.length - start);
  if (to <= from) {
    heap.fill(0, inBase, inBase + n);
    return;
  }
  if (from > 0) heap.fill(0, inBase, inBase + from);
  heap.set(x.subarray(start + from, start + to), inBase + from);
  if (to < n) heap.fill(0, inBase + to, inBase + n);
}

/**
 * |Xw[k]|² for k = 0 … n/2 of the periodic-Hann-windowed frame, from the unwindowed ordered spectrum at
 * heap[outBase …]: Xw[k] = ½X[k] − ¼X[k−1] − ¼X[k+1] (X[−1] = conj X[1], X[n/2+1] = conj X[n/2−1]).
 */
export function hannPower(heap: Float32Array, outBase: number, n: number, power: Float64Array): void {
  // Always a Float64Array destination: one element type keeps this hot function monomorphic.
  const powerBase = 0;
  const half = n >> 1;
  const x0 = heap[outBase]!;
  const xn = heap[outBase + 1]!;
  let pr = x0;
  let pi = 0;
  let cr = heap[outBase + 2]!;
  let ci = heap[outBase + 3]!;
  const w0 = 0.5 * x0 - 0.5 * cr;
  power[powerBase] = w0 * w0;
  for (let k = 1; k < half; k++) {
    let nr: number;
    let ni: number;
    if (k + 1 < half) {
      nr = heap[outBase + 2 * k + 2]!;
      ni = heap[outBase + 2 * k + 3]!;
    } else {
      nr = xn;
      ni = 0;
    }
    const wr = 0.5 * cr - 0.25 * (pr + nr);
    const wi = 0.5 * ci - 0.25 * (pi + ni);
    power[powerBase + k] = wr * wr + wi * wi;
    pr = cr;
    pi = ci;
    cr = nr;
    ci = ni;
  }
  const wn = 0.5 * xn - 0.5 * pr;
  power[powerBase + half] = wn * wn;
}

/**
 * |X|² or |X| for every frame. `out` may be passed to reuse a buffer (it must hold frames × (n_fft/2 + 1)
 * values; a larger one is fine, only the prefix is written).
 */
export function stft(x: Float32Array, opt: StftOptions, out?: Float32Array): Spectrogram {
  const { nFft, hop } = opt;
  const center = opt.center ?? false;
  const magnitude = opt.kind === "magnitude";
  const bins = nFft / 2 + 1;
  const frames = frameCount(x.length, nFft, hop, center);
  const data = out && out.length >= frames * bins ? out : new Float32Array(frames * bins);
  const offset = center ? -(nFft >> 1) : 0;
  if (opt.precise) {
    const win = periodicHann64(nFft);
    const frame = new Float64Array(nFft);
    for (let t = 0; t < frames; t++) {
      const start = t * hop + offset;
      for (let i = 0; i < nFft; i++) {
        const j = start + i;
        frame[i] = j >= 0 && j < x.length ? x[j]! * win[i]! : 0;
      }
      const row = t * bins;
      realPowerSpectrum64(frame, nFft, data, row);
      if (magnitude) for (let b = row; b < row + bins; b++) data[b] = Math.sqrt(data[b]!);
    }
    return { frames, bins, data };
  }
  const fft = realFft(nFft);
  const heap = fft.heap();
  const inBase = fft.inIndex;
  const outBase = fft.outIndex;
  const power = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    loadFrame(heap, inBase, nFft, x, t * hop + offset);
    fft.run();
    hannPower(heap, outBase, nFft, power);
    const row = t * bins;
    if (magnitude) for (let b = 0; b < bins; b++) data[row + b] = Math.sqrt(power[b]!);
    else data.set(power, row);
  }
  return { frames, bins, data };
}
