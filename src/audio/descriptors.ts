// Basic spectral descriptors per frame of a power spectrogram, and their means over the active frames
// (frames whose energy is within `activeBelowPeakDb` of the loudest frame).
// Conventions follow librosa's: centroid and roll-off weight bins by magnitude, flatness uses power.
import type { Spectrogram } from "./stft.ts";

export interface SpectralDescriptors {
  /** Magnitude-weighted mean frequency (Hz). */
  centroidHz: number;
  /** Frequency below which 85 % of the magnitude sum lies (Hz). */
  rolloffHz: number;
  /** Geometric / arithmetic mean of the power (amin 1e-10): ~0 tonal, 1 white noise. */
  flatness: number;
  /** Mean spectral flux (see onsets.ts) over the active frames. */
  flux: number;
  /** How many frames were averaged. */
  activeFrames: number;
}

export function spectralDescriptors(
  power: Spectrogram,
  sampleRate: number,
  flux: Float32Array,
  activeBelowPeakDb = 40,
): SpectralDescriptors {
  const { frames, bins, data } = power;
  const nFft = (bins - 1) * 2;
  const energy = new Float64Array(frames);
  let maxE = 0;
  for (let t = 0; t < frames; t++) {
    let e = 0;
    for (let k = 0; k < bins; k++) e += data[t * bins + k]!;
    energy[t] = e;
    if (e > maxE) maxE = e;
  }
  if (maxE <= 0) return { centroidHz: 0, rolloffHz: 0, flatness: 0, flux: 0, activeFrames: 0 };
  const gate = maxE * 10 ** (-activeBelowPeakDb / 10);
  let n = 0;
  let centroid = 0;
  let rolloff = 0;
  let flatness = 0;
  let fluxSum = 0;
  const mag = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    if (energy[t]! < gate) continue;
    n++;
    const row = t * bins;
    let msum = 0;
    let fsum = 0;
    let logSum = 0;
    let psum = 0;
    // Σ ln p is taken as ln of products of 16 values (each in [1e-10, ~1e8], so a product stays in range).
    let prod = 1;
    for (let k = 0; k < bins; k++) {
      const p = data[row + k]!;
      const m = Math.sqrt(p);
      mag[k] = m;
      msum += m;
      fsum += m * k;
      const pf = p > 1e-10 ? p : 1e-10;
      prod *= pf;
      if ((k & 15) === 15) {
        logSum += Math.log(prod);
        prod = 1;
      }
      psum += pf;
    }
    logSum += Math.log(prod);
    fsum *= sampleRate / nFft;
    centroid += fsum / msum;
    let cum = 0;
    const target = 0.85 * msum;
    let k = 0;
    for (; k < bins; k++) {
      cum += mag[k]!;
      if (cum >= target) break;
    }
    rolloff += (Math.min(k, bins - 1) * sampleRate) / nFft;
    flatness += Math.exp(logSum / bins) / (psum / bins);
    fluxSum += flux[t] ?? 0;
  }
  return {
    centroidHz: centroid / n,
    rolloffHz: rolloff / n,
    flatness: flatness / n,
    flux: fluxSum / n,
    activeFrames: n,
  };
}
