/**
 * The spectral comb's line spacing for a pitched sound: f0/k. Any k ≥ f0/21.5 Hz puts every harmonic on a
 * line, but the partials that are not harmonics of the measured f0 — a sub-octave (f0 measured an octave
 * high), another note of a chord, a layer a fourth or fifth away — land between lines unless k suits them,
 * and a partial moved to the nearest line beats with its neighbours in the metrics' low mel bands (narrower
 * than one STFT bin below ~300 Hz). This picks the k whose lines lie closest to the sound's spectral peaks,
 * measured in mel bands, among the values whose comb still reaches `minTopHz` (a wavetable cycle holds at most
 * 1023 lines).
 */
import { realFft } from "../../audio/fft.ts";
import { windowStart } from "./harmonics.ts";

const SR = 44100;
const N = 8192;
/** Peaks more than this far below the strongest are ignored (the metrics' floor is 80 dB; most peaks matter). */
const PEAK_RANGE_DB = 50;
/** Only the part of the spectrum where a mel band is narrow enough for a line's offset to matter. */
const MAX_PEAK_HZ = 3000;
/** Width of one of the metrics' 128 HTK mel bands at frequency f (Hz). */
const melBandHz = (f: number) => ((2595 * Math.log10(1 + SR / 2 / 700)) / 129) * ((700 + f) / 1127);

export interface CombDivisorOptions {
  f0Hz: number;
  /** Analysis times (s), within the sound's loud part. */
  times: ArrayLike<number>;
  kMin: number;
  kMax: number;
}

/** Spectral peaks (Hz) of the mean power spectrum over the given times. */
export function spectralPeaks(x: Float32Array, times: ArrayLike<number>): { hz: number; db: number }[] {
  const fft = realFft(N);
  const buf = new Float32Array(N);
  const spec = new Float32Array(N);
  const power = new Float64Array(N / 2 + 1);
  const win = Float32Array.from({ length: N }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N));
  const n = Math.min(N, x.length);
  for (let k = 0; k < times.length; k++) {
    const start = windowStart(times[k]!, n, x.length);
    buf.fill(0);
    for (let i = 0; i < n; i++) buf[i] = x[start + i]! * win[i]!;
    fft.forward(buf, spec);
    for (let b = 1; b < N / 2; b++) power[b]! += spec[2 * b]! ** 2 + spec[2 * b + 1]! ** 2;
  }
  const db = Float64Array.from(power, (p) => 10 * Math.log10(p + 1e-30));
  let top = -Infinity;
  for (let b = 1; b < N / 2; b++) top = Math.max(top, db[b]!);
  const peaks: { hz: number; db: number }[] = [];
  const binHz = SR / N;
  const last = Math.min(N / 2 - 1, Math.floor(MAX_PEAK_HZ / binHz));
  for (let b = 2; b < last; b++) {
    const a = db[b - 1]!;
    const c = db[b]!;
    const d = db[b + 1]!;
    if (!(c > a && c >= d) || c < top - PEAK_RANGE_DB) continue;
    // Parabolic interpolation of the log spectrum around the peak bin.
    const den = a - 2 * c + d;
    const delta = den < 0 ? (0.5 * (a - d)) / den : 0;
    peaks.push({ hz: (b + delta) * binHz, db: c });
  }
  return peaks;
}

/** Mean squared offset (in half mel bands, capped at 1) of the peaks from the nearest line of f0/k. */
export function combMisfit(peaks: { hz: number }[], lineHz: number): number {
  if (peaks.length === 0) return 0;
  let cost = 0;
  for (const p of peaks) {
    const off = Math.abs(p.hz - Math.max(1, Math.round(p.hz / lineHz)) * lineHz);
    cost += Math.min(1, (off / (0.5 * melBandHz(p.hz))) ** 2);
  }
  return cost / peaks.length;
}

/** The divisor k in [kMin, kMax] whose comb f0/k fits the peaks best (the smallest k among equals). */
export function bestCombDivisor(x: Float32Array, opt: CombDivisorOptions): number {
  const peaks = spectralPeaks(x, opt.times);
  let best = opt.kMin;
  let bestCost = Infinity;
  for (let k = opt.kMin; k <= opt.kMax; k++) {
    const cost = combMisfit(peaks, opt.f0Hz / k);
    if (cost < bestCost - 1e-3) {
      bestCost = cost;
      best = k;
    }
  }
  return best;
}
