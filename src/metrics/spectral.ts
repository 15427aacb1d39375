// The spectral distances of DESIGN §5: mel-LSD, MFCC-MAE, spectral convergence, MSS, and MFCC-MAE as
// SpiegeLib computes it (librosa feature.mfcc defaults). See docs/metrics.md for the exact definitions.
import { htkMelFilterbank, melPowerSpectrogram, powerToDb, slaneyMelFilterbank } from "../audio/mel.ts";
import { mfccFromDb } from "../audio/mfcc.ts";
import { stft } from "../audio/stft.ts";
import { asTarget, type MetricTarget } from "./target.ts";

export const MEL_N_FFT = 2048;
export const MEL_HOP = 512;
export const MEL_BANDS = 128;
export const MFCC_COUNT = 20;
export const MSS_SIZES = [2048, 1024, 512, 256, 128, 64] as const;

/** The §5 mel features of one signal: linear mel power and floored dB, frames × 128, frame-major. */
export interface MelFeatures {
  frames: number;
  bands: number;
  power: Float32Array;
  db: Float32Array;
}

/** §5 mel power and floored dB matrices of a signal (44.1 kHz mono). */
export function melFeatures(
  x: Float32Array,
  sampleRate = 44100,
  out?: { power?: Float32Array; db?: Float32Array },
): MelFeatures {
  const fb = htkMelFilterbank(MEL_N_FFT, sampleRate, MEL_BANDS);
  const { frames, bands, data } = melPowerSpectrogram(x, fb, { nFft: MEL_N_FFT, hop: MEL_HOP }, out?.power);
  const n = frames * bands;
  const db = out?.db && out.db.length >= n ? out.db : new Float32Array(n);
  powerToDb(data, n, db, 1e-10, 80);
  return { frames, bands, power: data, db };
}

function targetMel(t: MetricTarget): MelFeatures {
  return t.feature("mel", () => melFeatures(t.samples, t.sampleRate));
}

function candidateMel(t: MetricTarget, candidate: Float32Array): MelFeatures {
  const x = t.fit(candidate);
  const tm = targetMel(t);
  const n = tm.frames * tm.bands;
  return melFeatures(x, t.sampleRate, { power: t.buffer("mel-power", n), db: t.buffer("mel-db", n) });
}

/** Log-spectral distance between two frames × bands dB matrices (mean over frames of the band RMS). */
export function lsdOfDb(a: Float32Array, b: Float32Array, frames: number, bands: number): number {
  let sum = 0;
  for (let t = 0; t < frames; t++) {
    const o = t * bands;
    let acc = 0;
    for (let m = 0; m < bands; m++) {
      const d = a[o + m]! - b[o + m]!;
      acc += d * d;
    }
    sum += Math.sqrt(acc / bands);
  }
  return sum / frames;
}

/** mel-LSD in dB (the headline metric). `target` may be prepared once with prepareTarget. */
export function melLsd(target: MetricTarget | Float32Array, candidate: Float32Array): number {
  const t = asTarget(target);
  const a = targetMel(t);
  const b = candidateMel(t, candidate);
  return lsdOfDb(a.db, b.db, a.frames, a.bands);
}

/** Spectral convergence ‖S − Ŝ‖_F / ‖S‖_F on the linear mel power. A silent target: 0 if the candidate is silent too, else 1. */
export function spectralConvergence(target: MetricTarget | Float32Array, candidate: Float32Array): number {
  const t = asTarget(target);
  const a = targetMel(t);
  const b = candidateMel(t, candidate);
  return scOf(a.power, b.power, a.frames * a.bands);
}

function scOf(s: Float32Array, c: Float32Array, n: number): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = s[i]! - c[i]!;
    num += d * d;
    den += s[i]! * s[i]!;
  }
  if (den === 0) return num === 0 ? 0 : 1;
  return Math.sqrt(num / den);
}

function maeOf(a: Float32Array, b: Float32Array, n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc += Math.abs(a[i]! - b[i]!);
  return acc / n;
}

/** MFCC-MAE: ortho DCT-II of each frame of the floored dB mel matrix, first 20 coefficients, mean |Δ|. */
export function mfccMae(target: MetricTarget | Float32Array, candidate: Float32Array): number {
  const t = asTarget(target);
  const a = targetMel(t);
  const am = t.feature("mfcc", () => mfccFromDb(a.db, a.frames, a.bands, MFCC_COUNT));
  const b = candidateMel(t, candidate);
  const n = a.frames * MFCC_COUNT;
  const bm = mfccFromDb(b.db, b.frames, b.bands, MFCC_COUNT, t.buffer("mfcc", n));
  return maeOf(am, bm, n);
}

/**
 * MFCCs as librosa.feature.mfcc computes them with its defaults (n_mfcc 20, n_fft 2048, hop 512, centred
 * frames with zero padding, 128 Slaney mel bands 0 … sr/2 with Slaney area normalisation, power_to_db
 * ref 1 / amin 1e-10 / top_db 80, ortho DCT-II). frames × 20, frame-major (librosa's matrix transposed).
 */
export function librosaMfcc(
  x: Float32Array,
  sampleRate = 44100,
  out?: { mel?: Float32Array; db?: Float32Array; mfcc?: Float32Array },
) {
  const fb = slaneyMelFilterbank(MEL_N_FFT, sampleRate, MEL_BANDS);
  const { frames, bands, data } = melPowerSpectrogram(
    x,
    fb,
    { nFft: MEL_N_FFT, hop: MEL_HOP, center: true },
    out?.mel,
  );
  const n = frames * bands;
  const db = out?.db && out.db.length >= n ? out.db : new Float32Array(n);
  powerToDb(data, n, db, 1e-10, 80);
  return { frames, coefficients: MFCC_COUNT, data: mfccFromDb(db, frames, bands, MFCC_COUNT, out?.mfcc) };
}

/** MFCC-MAE (SpiegeLib): mean |Δ| over librosa's default MFCC matrix — only for comparing with SpiegeLib's table. */
export function mfccMaeSpiegelib(target: MetricTarget | Float32Array, candidate: Float32Array): number {
  const t = asTarget(target);
  const a = t.feature("mfcc-librosa", () => librosaMfcc(t.samples, t.sampleRate));
  const x = t.fit(candidate);
  const nm = a.frames * MEL_BANDS;
  const n = a.frames * MFCC_COUNT;
  const b = librosaMfcc(x, t.sampleRate, {
    mel: t.buffer("lr-mel", nm),
    db: t.buffer("lr-db", nm),
    mfcc: t.buffer("lr-mfcc", n),
  });
  return maeOf(a.data, b.data, n);
}

// Double precision: the log term reads bins far below single precision's noise floor (~140 dB under the
// peak), which would otherwise add rounding noise of several percent on pure synthetic tones.
function magnitudes(x: Float32Array, nFft: number, out?: Float32Array) {
  return stft(x, { nFft, hop: nFft / 4, kind: "magnitude", precise: true }, out);
}

/** Multi-scale spectral distance (DDSP): Σ over n_fft ∈ {2048 … 64}, hop n_fft/4, of mean|S − Ŝ| + mean|ln(S+1e-7) − ln(Ŝ+1e-7)|. */
export function mss(target: MetricTarget | Float32Array, candidate: Float32Array): number {
  const t = asTarget(target);
  const x = t.fit(candidate);
  let total = 0;
  for (const nFft of MSS_SIZES) {
    const a = t.feature(`mss-${nFft}`, () => magnitudes(t.samples, nFft));
    const n = a.frames * a.bins;
    const b = magnitudes(x, nFft, t.buffer(`mss-${nFft}`, n));
    let lin = 0;
    let log = 0;
    for (let i = 0; i < n; i++) {
      const s = a.data[i]!;
      const c = b.data[i]!;
      lin += Math.abs(s - c);
      log += Math.abs(Math.log(s + 1e-7) - Math.log(c + 1e-7));
    }
    total += lin / n + log / n;
  }
  return total;
}
