/**
 * The noise layer of a Vital analytic start: white noise (the init sample) through a digital (model 3)
 * state-variable filter whose response is fitted to the residual's spectral envelope. Filter facts from
 * ../shared/reference/vital.md §5 and §5.1 (Vital, GPL-3.0, Matt Tytel): the filter runs at the internal
 * 88.2 kHz rate, g = tan(π·f/fs), Q = 0.5 + 15.5·resonance³, blend b − 1 weighs low-pass max(−b, 0),
 * band-pass √(1 − b²) and high-pass max(b, 0); the input is scaled by 1/(2·resonance³ + 1); 24 dB adds a
 * first stage with Q = 1 and the same mix.
 */

const INTERNAL_RATE = 88200;
const NOTE0_HZ = 8.1757989156;

export interface NoiseFilter {
  /** filter_N_style: 0 = 12 dB, 1 = 24 dB. */
  style: number;
  blend: number;
  /** MIDI note number, as stored. */
  cutoff: number;
  resonance: number;
  /** RMS gain of the filter on white noise up to 22.05 kHz. */
  noiseGain: number;
  /** Mean squared dB error of the fitted shape (level-free). */
  errorDb2: number;
}

function stageMagnitude(w: number, k: number, lp: number, bp: number, hp: number): number {
  // H(s) = (hp·s² + bp·s + lp)/(s² + k·s + 1) at s = iw.
  const nr = lp - hp * w * w;
  const ni = bp * w;
  const dr = 1 - w * w;
  const di = k * w;
  return Math.sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
}

/** |H(f)| of filter 1/2 in the digital model (small-signal: the saturators are left out). */
export function svfMagnitude(
  f: number,
  cutoff: number,
  resonance: number,
  blend: number,
  style: number,
): number {
  const fc = Math.min(NOTE0_HZ * 2 ** (cutoff / 12), 0.4535 * INTERNAL_RATE);
  const g = Math.tan(Math.PI * Math.min(fc / INTERNAL_RATE, 0.499));
  const w = Math.tan(Math.PI * Math.min(f / INTERNAL_RATE, 0.499)) / g;
  const r3 = resonance ** 3;
  const k = 1 / (0.5 + 15.5 * r3);
  const b = Math.min(1, Math.max(-1, blend - 1));
  const lp = Math.max(-b, 0);
  const hp = Math.max(b, 0);
  const bp = Math.sqrt(1 - b * b);
  let m = stageMagnitude(w, k, lp, bp, hp) / (2 * r3 + 1);
  if (style === 1) m *= stageMagnitude(w, 1, lp, bp, hp);
  return m;
}

function noiseGain(cutoff: number, resonance: number, blend: number, style: number): number {
  let acc = 0;
  const n = 256;
  for (let i = 0; i < n; i++) {
    const f = ((i + 0.5) / n) * 22050;
    acc += svfMagnitude(f, cutoff, resonance, blend, style) ** 2;
  }
  return Math.sqrt(acc / n);
}

/**
 * The filter setting whose response best matches a residual's band spectrum (dB per band, level-free):
 * a grid over style (12/24 dB), blend (low-pass … band-pass … high-pass), cutoff and resonance.
 */
export function fitNoiseFilter(bandHz: Float32Array, bandDb: Float32Array): NoiseFilter {
  const bands: number[] = [];
  for (let i = 0; i < bandHz.length; i++) if (Number.isFinite(bandDb[i]) && bandHz[i]! >= 30) bands.push(i);
  let best: NoiseFilter = {
    style: 0,
    blend: 0,
    cutoff: 136,
    resonance: 0,
    noiseGain: noiseGain(136, 0, 0, 0),
    errorDb2: Infinity,
  };
  if (bands.length < 3) return best;
  const diff = new Float64Array(bands.length);
  for (const style of [0, 1]) {
    for (const blend of [0, 0.5, 1, 1.5, 2]) {
      for (let cutoff = 16; cutoff <= 136; cutoff += 2) {
        for (const resonance of [0, 0.3, 0.5, 0.65]) {
          let mean = 0;
          bands.forEach((b, j) => {
            const r = 20 * Math.log10(svfMagnitude(bandHz[b]!, cutoff, resonance, blend, style) + 1e-12);
            diff[j] = bandDb[b]! - r;
            mean += diff[j]!;
          });
          mean /= bands.length;
          let err = 0;
          for (let j = 0; j < bands.length; j++) err += (diff[j]! - mean) ** 2;
          err /= bands.length;
          if (err < best.errorDb2) best = { style, blend, cutoff, resonance, noiseGain: 0, errorDb2: err };
        }
      }
    }
  }
  best.noiseGain = noiseGain(best.cutoff, best.resonance, best.blend, best.style);
  return best;
}
