/**
 * A falling low partial in an unpitched sound (a kick drum's "boom"): the strongest spectral peak below
 * 1 kHz tracked over the first 400 ms, its pitch drop fitted by a decaying envelope (the curve Vital's
 * envelopes use), its share of the energy, and the spectrum of everything else (for a noise layer).
 */
import { realFft } from "../../audio/fft.ts";
import { bandCentres } from "./harmonics.ts";
import { powerCurve } from "./vital-envelope.ts";

const SR = 44100;
const WINDOW = 2048;
const FFT_SIZE = 8192;
const HOP = 441;
const MAX_SECONDS = 0.4;
const LOW_HZ = 25;
const HIGH_HZ = 1000;
/** Smaller drops (semitones) are left out: the partial is taken as steady. */
export const MIN_DROP = 3;

export interface PitchDrop {
  /** Where the partial ends up (Hz). */
  endHz: number;
  /** Semitones above endHz at the start. */
  dropSemitones: number;
  /** Decay of the drop: semitones(t) = drop · (1 − P(t/decay, power)) until `decaySeconds`, then 0. */
  decaySeconds: number;
  decayPower: number;
  /** The partial's share of the energy over the tracked part (0 … 1). */
  tonalShare: number;
  /** Third-octave band centres and the mean power spectral density (dB) of the rest. */
  bandHz: Float32Array;
  residualBandDb: Float32Array;
}

/**
 * The strong low partial of `x` (at least 30 % of the energy in the main lobe of the strongest peak under
 * 1 kHz) and its pitch drop (0 when under MIN_DROP semitones), or undefined when there is none.
 */
export function analysePitchDrop(x: Float32Array): PitchDrop | undefined {
  const fft = realFft(FFT_SIZE);
  const buf = new Float32Array(FFT_SIZE);
  const spec = new Float32Array(FFT_SIZE);
  const binHz = SR / FFT_SIZE;
  const lo = Math.ceil(LOW_HZ / binHz);
  const hi = Math.floor(HIGH_HZ / binHz);
  const frames = Math.max(0, Math.floor((Math.min(x.length, MAX_SECONDS * SR) - WINDOW) / HOP) + 1);
  if (frames < 4) return undefined;
  const bandHz = bandCentres();
  const bandPower = new Float64Array(bandHz.length);
  const bandCount = new Float64Array(bandHz.length);
  const times: number[] = [];
  const hz: number[] = [];
  const weight: number[] = [];
  let tonal = 0;
  let total = 0;
  const power = new Float64Array(FFT_SIZE / 2);
  for (let f = 0; f < frames; f++) {
    const start = f * HOP;
    buf.fill(0);
    for (let i = 0; i < WINDOW; i++)
      buf[i] = x[start + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / WINDOW));
    fft.forward(buf, spec);
    let frameTotal = 0;
    let best = lo;
    for (let b = 1; b < FFT_SIZE / 2; b++) {
      power[b] = spec[2 * b]! ** 2 + spec[2 * b + 1]! ** 2;
      frameTotal += power[b]!;
      if (b >= lo && b <= hi && power[b]! > power[best]!) best = b;
    }
    // The main lobe of a 2048-sample Hann window spans ±2 of its bins = ±8 bins of the padded transform.
    let lobe = 0;
    for (let b = Math.max(1, best - 8); b <= Math.min(FFT_SIZE / 2 - 1, best + 8); b++) lobe += power[b]!;
    tonal += lobe;
    total += frameTotal;
    for (let b = 1; b < FFT_SIZE / 2; b++) {
      if (Math.abs(b - best) <= 8) continue;
      const band = Math.round(3 * Math.log2((b * binHz) / 25));
      if (band < 0 || band >= bandHz.length) continue;
      bandPower[band]! += power[b]!;
      bandCount[band]!++;
    }
    const a = Math.log(power[best - 1]! + 1e-30);
    const b0 = Math.log(power[best]! + 1e-30);
    const c = Math.log(power[best + 1]! + 1e-30);
    const denom = a - 2 * b0 + c;
    const shift = denom < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom)) : 0;
    times.push((start + WINDOW / 2) / SR);
    hz.push((best + shift) * binHz);
    weight.push(lobe);
  }
  const tonalShare = total > 0 ? tonal / total : 0;
  if (tonalShare < 0.3) return undefined;
  // The end pitch: the energy-weighted median of the last half of the track.
  const half = Math.floor(frames / 2);
  const tail = hz
    .map((f, i) => ({ f, w: weight[i]! }))
    .slice(half)
    .sort((p, q) => p.f - q.f);
  const tailWeight = tail.reduce((acc, e) => acc + e.w, 0);
  let endHz = tail[0]!.f;
  for (let i = 0, acc = 0; i < tail.length; i++) {
    acc += tail[i]!.w;
    if (acc >= tailWeight / 2) {
      endHz = tail[i]!.f;
      break;
    }
  }
  const semis = hz.map((f) => 12 * Math.log2(f / endHz));
  const drop = Math.max(...semis.slice(0, 3));
  let bestFit = { decaySeconds: 0.05, decayPower: 0, error: Infinity, drop: 0 };
  if (drop >= MIN_DROP) {
    // The first frame is centred half a window in: the fit may extrapolate the drop back to t = 0.
    for (let d = 0.01; d <= 0.6; d *= 1.15) {
      for (let k = -10; k <= 10; k += 1) {
        for (const scale of [1, 1.25, 1.5, 2, 2.5, 3]) {
          const D = drop * scale;
          let err = 0;
          for (let i = 0; i < frames; i++) {
            const t = times[i]!;
            const m = t < d ? D * (1 - powerCurve(t / d, k)) : 0;
            err += weight[i]! * (m - semis[i]!) ** 2;
          }
          if (err < bestFit.error) bestFit = { decaySeconds: d, decayPower: k, error: err, drop: D };
        }
      }
    }
  }
  const residualBandDb = Float32Array.from(bandPower, (p, i) =>
    bandCount[i]! > 0 ? 10 * Math.log10(p / bandCount[i]! + 1e-30) : NaN,
  );
  return {
    endHz,
    dropSemitones: Math.min(96, bestFit.drop),
    decaySeconds: bestFit.decaySeconds,
    decayPower: bestFit.decayPower,
    tonalShare,
    bandHz,
    residualBandDb,
  };
}
