/**
 * A compact sound embedding for finding a bank's nearest presets to a target (warm starts): the first second
 * from the onset, as (a) the mean log-mel spectrum (40 HTK bands, 2048/512) in four time segments
 * (0–0.1, 0.1–0.3, 0.3–0.6, 0.6–1 s), relative to the loudest band value and floored 80 dB below, and
 * (b) the RMS envelope in dB relative to its peak at 20 points 50 ms apart (weighted ×2). Level-invariant.
 * Euclidean distance between embeddings ranks neighbours.
 */
import { htkMelFilterbank, melPowerSpectrogram } from "../audio/mel.ts";

export const EMBED_SECONDS = 1;
const SR = 44100;
const BANDS = 40;
const SEGMENTS = [0, 0.1, 0.3, 0.6, 1.0];
const ENV_POINTS = 20;
export const EMBED_DIMS = BANDS * (SEGMENTS.length - 1) + ENV_POINTS;

export function embedSound(samples: Float32Array, out = new Float32Array(EMBED_DIMS)): Float32Array {
  const n = Math.round(EMBED_SECONDS * SR);
  const x = new Float32Array(n);
  x.set(samples.subarray(0, n));
  const fb = htkMelFilterbank(2048, SR, BANDS);
  const spec = melPowerSpectrogram(x, fb, { nFft: 2048, hop: 512 });
  let maxDb = -200;
  const db = new Float32Array(spec.frames * BANDS);
  for (let i = 0; i < db.length; i++) {
    const v = spec.data[i]!;
    db[i] = v > 1e-10 ? 10 * Math.log10(v) : -100;
    if (db[i]! > maxDb) maxDb = db[i]!;
  }
  let o = 0;
  for (let s = 0; s + 1 < SEGMENTS.length; s++) {
    const f0 = Math.floor((SEGMENTS[s]! * SR) / 512);
    const f1 = Math.max(f0 + 1, Math.min(spec.frames, Math.floor((SEGMENTS[s + 1]! * SR) / 512)));
    for (let b = 0; b < BANDS; b++) {
      let acc = 0;
      for (let t = f0; t < f1; t++) acc += Math.max(db[t * BANDS + b]! - maxDb, -80);
      out[o++] = acc / (f1 - f0) / 80;
    }
  }
  const frame = Math.round(0.05 * SR);
  const env = new Float32Array(ENV_POINTS);
  let peak = 0;
  for (let k = 0; k < ENV_POINTS; k++) {
    let acc = 0;
    for (let i = k * frame; i < (k + 1) * frame && i < n; i++) acc += x[i]! * x[i]!;
    env[k] = Math.sqrt(acc / frame);
    peak = Math.max(peak, env[k]!);
  }
  for (let k = 0; k < ENV_POINTS; k++) {
    const d = env[k]! > 0 && peak > 0 ? 20 * Math.log10(env[k]! / peak) : -60;
    out[o++] = (2 * Math.max(d, -60)) / 60;
  }
  return out;
}

export function embeddingDistance(a: Float32Array, aOffset: number, b: Float32Array, bOffset = 0): number {
  let d = 0;
  for (let i = 0; i < EMBED_DIMS; i++) {
    const e = a[aOffset + i]! - b[bOffset + i]!;
    d += e * e;
  }
  return d;
}
