// Mel filterbanks and mel spectrograms.
// - HTK-scale triangles exactly as DESIGN §5 defines them (the project's metrics).
// - Slaney-scale triangles with area normalisation as librosa.filters.mel builds them by default
//   (facts from librosa ≥ 0.10, ISC licence: Slaney mel scale with linear part 200/3 Hz per mel below
//   1 kHz and log step ln(6.4)/27 above; n_mels + 2 points from fmin to fmax; weight
//   max(0, min(rising, falling)); each row scaled by 2 / (upper edge − lower edge) in Hz).
import { realFft } from "./fft.ts";
import { melFrameKernel, powerToDbKernel } from "./mel-simd.ts";
import { frameCount, hannPower, loadFrame, type Spectrogram } from "./stft.ts";

/** A sparse mel filterbank: band m covers bins start[m] … start[m] + count[m] − 1. */
export interface MelFilterbank {
  bands: number;
  bins: number;
  start: Int32Array;
  count: Int32Array;
  /** Weights of all bands concatenated; band m's weights begin at offset[m]. */
  offset: Int32Array;
  weights: Float32Array;
}

export const hzToMelHtk = (f: number): number => 2595 * Math.log10(1 + f / 700);
export const melToHzHtk = (m: number): number => 700 * (10 ** (m / 2595) - 1);

const SLANEY_F_SP = 200 / 3;
const SLANEY_MIN_LOG_HZ = 1000;
const SLANEY_MIN_LOG_MEL = SLANEY_MIN_LOG_HZ / SLANEY_F_SP;
const SLANEY_LOGSTEP = Math.log(6.4) / 27;

export function hzToMelSlaney(f: number): number {
  return f >= SLANEY_MIN_LOG_HZ
    ? SLANEY_MIN_LOG_MEL + Math.log(f / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP
    : f / SLANEY_F_SP;
}
export function melToHzSlaney(m: number): number {
  return m >= SLANEY_MIN_LOG_MEL
    ? SLANEY_MIN_LOG_HZ * Math.exp(SLANEY_LOGSTEP * (m - SLANEY_MIN_LOG_MEL))
    : SLANEY_F_SP * m;
}

function build(
  edgesHz: Float64Array,
  bands: number,
  nFft: number,
  sampleRate: number,
  areaNormalise: boolean,
): MelFilterbank {
  const bins = nFft / 2 + 1;
  const start = new Int32Array(bands);
  const count = new Int32Array(bands);
  const offset = new Int32Array(bands);
  const all: number[] = [];
  for (let m = 0; m < bands; m++) {
    const lo = edgesHz[m]!;
    const c = edgesHz[m + 1]!;
    const hi = edgesHz[m + 2]!;
    const norm = areaNormalise ? 2 / (hi - lo) : 1;
    let first = -1;
    let last = -1;
    const w: number[] = [];
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      const rising = (f - lo) / (c - lo);
      const falling = (hi - f) / (hi - c);
      const v = Math.max(0, Math.min(rising, falling));
      if (v > 0) {
        if (first < 0) first = k;
        last = k;
      }
      w.push(v * norm);
    }
    offset[m] = all.length;
    if (first >= 0) {
      start[m] = first;
      count[m] = last - first + 1;
      for (let k = first; k <= last; k++) all.push(w[k]!);
    }
  }
  return { bands, bins, start, count, offset, weights: Float32Array.from(all) };
}

const cache = new Map<string, MelFilterbank>();

/** DESIGN §5: 128 HTK-mel triangles from 20 Hz to 16 kHz, peak weight 1, no area normalisation. */
export function htkMelFilterbank(
  nFft = 2048,
  sampleRate = 44100,
  bands = 128,
  fMin = 20,
  fMax = 16000,
): MelFilterbank {
  const key = `htk:${nFft}:${sampleRate}:${bands}:${fMin}:${fMax}`;
  let fb = cache.get(key);
  if (!fb) {
    const lo = hzToMelHtk(fMin);
    const hi = hzToMelHtk(fMax);
    const edges = new Float64Array(bands + 2);
    for (let i = 0; i < bands + 2; i++) edges[i] = melToHzHtk(lo + ((hi - lo) * i) / (bands + 1));
    fb = build(edges, bands, nFft, sampleRate, false);
    cache.set(key, fb);
  }
  return fb;
}

/** librosa.filters.mel defaults (Slaney scale, norm="slaney") from fMin to fMax (default sr/2). */
export function slaneyMelFilterbank(
  nFft = 2048,
  sampleRate = 44100,
  bands = 128,
  fMin = 0,
  fMax = sampleRate / 2,
): MelFilterbank {
  const key = `slaney:${nFft}:${sampleRate}:${bands}:${fMin}:${fMax}`;
  let fb = cache.get(key);
  if (!fb) {
    const lo = hzToMelSlaney(fMin);
    const hi = hzToMelSlaney(fMax);
    const edges = new Float64Array(bands + 2);
    for (let i = 0; i < bands + 2; i++) edges[i] = melToHzSlaney(lo + ((hi - lo) * i) / (bands + 1));
    fb = build(edges, bands, nFft, sampleRate, true);
    cache.set(key, fb);
  }
  return fb;
}

/** Apply a filterbank to every frame of a power spectrogram: frames × bands, frame-major. */
export function applyMel(spec: Spectrogram, fb: MelFilterbank, out?: Float32Array): Float32Array {
  const { frames, bins, data } = spec;
  const { bands, start, count, offset, weights } = fb;
  const res = out && out.length >= frames * bands ? out : new Float32Array(frames * bands);
  for (let t = 0; t < frames; t++) {
    const row = t * bins;
    const o = t * bands;
    for (let m = 0; m < bands; m++) {
      let acc = 0;
      const s = row + start[m]!;
      const w0 = offset[m]!;
      const n = count[m]!;
      for (let j = 0; j < n; j++) acc += data[s + j]! * weights[w0 + j]!;
      res[o + m] = acc;
    }
  }
  return res;
}

const castF32 = new Float32Array(1);
const castU32 = new Uint32Array(castF32.buffer);
const LOG10_2 = Math.log10(2);
const LOG10_E = Math.log10(Math.E);

/**
 * log10 of a positive normal float32 value, to ~1e-10 (about 2× faster than Math.log10 here): exponent
 * from the bits, ln of the mantissa (folded into [√½, √2]) from the atanh series to t⁹.
 */
export function log10Positive(v: number): number {
  castF32[0] = v;
  const bits = castU32[0]!;
  let e = (bits >>> 23) - 127;
  castU32[0] = (bits & 0x7fffff) | 0x3f800000;
  let m = castF32[0]!;
  if (m > Math.SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  const ln = 2 * t * (1 + t2 * (1 / 3 + t2 * (1 / 5 + t2 * (1 / 7 + t2 / 9))));
  return e * LOG10_2 + ln * LOG10_E;
}

/**
 * dB = 10·log10(max(P, amin)), then floored at (max − topDb) over the whole matrix (in place into `out`).
 * With amin 1e-10 and topDb 80 this is both DESIGN §5's floored dB and librosa's power_to_db(ref=1).
 * `p` holds float32 powers; amin must be a normal float32 (≥ 1.2e-38). Runs in the WebAssembly kernel
 * (mel-simd.ts, the same values to the last bit) where available, unless `kernel` is false.
 */
export function powerToDb(
  p: Float32Array,
  n: number,
  out: Float32Array,
  amin = 1e-10,
  topDb = 80,
  kernel = true,
): Float32Array {
  if (kernel && n >= 64 && powerToDbKernel(p, n, out, amin, topDb, 10 * log10Positive(amin))) return out;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = p[i]!;
    const db = 10 * log10Positive(v > amin ? v : amin);
    out[i] = db;
    if (db > max) max = db;
  }
  const floor = max - topDb;
  for (let i = 0; i < n; i++) if (out[i]! < floor) out[i] = floor;
  return out;
}

/**
 * Mel power spectrogram straight from the signal (STFT → |X|² → filterbank, one frame at a time, without
 * storing the linear spectrogram). Framing as in `stft` (§5 framing, or librosa-style with `center`).
 * Returns frames × bands, frame-major; `out` is reused when large enough.
 * Each frame's window, power and filterbank run in a WebAssembly SIMD kernel (mel-simd.ts) where available,
 * and silent frames at the end are not transformed, with the same result to the last bit as the JavaScript
 * loop below (`kernel: false` forces that loop).
 */
export function melPowerSpectrogram(
  x: Float32Array,
  fb: MelFilterbank,
  opt: { nFft: number; hop: number; center?: boolean; kernel?: boolean },
  out?: Float32Array,
): { frames: number; bands: number; data: Float32Array } {
  const { nFft, hop } = opt;
  const center = opt.center ?? false;
  const frames = frameCount(x.length, nFft, hop, center);
  const { bands, start, count, offset, weights } = fb;
  const data = out && out.length >= frames * bands ? out : new Float32Array(frames * bands);
  const fft = realFft(nFft);
  const heap = fft.heap();
  const inBase = fft.inIndex;
  const outBase = fft.outIndex;
  const bins = nFft / 2 + 1;
  const power = scratchRow(bins);
  const shift = center ? -(nFft >> 1) : 0;
  const kernel = opt.kernel === false ? null : melFrameKernel(fb, nFft);
  if (kernel) {
    // Frames past the last non-zero sample are silent: their mel powers are exactly +0, as the FFT of zeros
    // would give (renders that decay often end in tens of silent frames).
    let last = x.length - 1;
    while (last >= 0 && x[last] === 0) last--;
    for (let t = 0; t < frames; t++) {
      if (t * hop + shift > last) {
        data.fill(0, t * bands, frames * bands);
        break;
      }
      loadFrame(heap, inBase, nFft, x, t * hop + shift);
      fft.run();
      kernel.run(heap, outBase, data, t * bands);
    }
    return { frames, bands, data };
  }
  for (let t = 0; t < frames; t++) {
    loadFrame(heap, inBase, nFft, x, t * hop + shift);
    fft.run();
    hannPower(heap, outBase, nFft, power);
    const o = t * bands;
    for (let m = 0; m < bands; m++) {
      let acc = 0;
      const s = start[m]!;
      const w0 = offset[m]!;
      const n = count[m]!;
      for (let j = 0; j < n; j++) acc += power[s + j]! * weights[w0 + j]!;
      data[o + m] = acc;
    }
  }
  return { frames, bands, data };
}

const rows = new Map<number, Float64Array>();
function scratchRow(n: number): Float64Array {
  let r = rows.get(n);
  if (!r) {
    r = new Float64Array(n);
    rows.set(n, r);
  }
  return r;
}
