// Onsets: spectral flux (half-wave-rectified rise of the dB mel spectrogram) with adaptive-threshold
// peak picking, plus the one-shot onset: the first millisecond whose peak reaches −40 dB re the sound's peak.

/**
 * Onset strength per frame from a frames × bands dB mel matrix (as librosa's onset_strength does):
 * mean over bands of max(0, dB_t − dB_{t−1}). Frame 0 compares with the matrix floor (silence before).
 */
export function spectralFlux(db: Float32Array, frames: number, bands: number): Float32Array {
  const out = new Float32Array(frames);
  let floor = Infinity;
  for (let i = 0; i < frames * bands; i++) if (db[i]! < floor) floor = db[i]!;
  for (let t = 0; t < frames; t++) {
    let acc = 0;
    const r = t * bands;
    for (let m = 0; m < bands; m++) {
      const d = db[r + m]! - (t > 0 ? db[r - bands + m]! : floor);
      if (d > 0) acc += d;
    }
    out[t] = acc / bands;
  }
  return out;
}

/**
 * Peaks of the flux above max(median of ±8 frames + 0.1·max, 0.05·max), at least `minGapSeconds` apart.
 * Frame t covers samples [t·hop, t·hop + nFft) and is the first to contain what starts after the end of
 * frame t − 1; as the window barely sees its last hop, the peak may come one frame later. So an onset found
 * in frame t is looked for in [t·hop + nFft − 2·hop, t·hop + nFft) and placed at the 1 ms block whose RMS
 * rises most over the block before. Frames reaching into the end padding are not considered, nor (given
 * `frameEnergy`, e.g. the summed mel power per frame) peaks where the total energy does not rise by 5 %.
 */
export function pickOnsets(
  flux: Float32Array,
  hop: number,
  nFft: number,
  sampleRate: number,
  x: Float32Array,
  frameEnergy?: Float32Array,
  minGapSeconds = 0.05,
): number[] {
  let max = 0;
  for (const v of flux) if (v > max) max = v;
  if (max <= 0) return [];
  const times: number[] = [];
  const win: number[] = [];
  let last = -Infinity;
  for (let t = 0; t < flux.length; t++) {
    // Frames running into the end padding see the abrupt stop as a broadband rise: not an onset.
    if (t > 0 && t * hop + nFft > x.length) break;
    const v = flux[t]!;
    const prev = t > 0 ? flux[t - 1]! : 0;
    const next = t + 1 < flux.length ? flux[t + 1]! : 0;
    if (v < prev || v < next) continue;
    win.length = 0;
    for (let j = Math.max(0, t - 8); j <= Math.min(flux.length - 1, t + 8); j++) win.push(flux[j]!);
    win.sort((a, b) => a - b);
    const median = win[win.length >> 1]!;
    if (v < median + 0.1 * max || v < 0.05 * max) continue;
    // An abrupt stop also raises quiet bands (splatter), but the total energy falls: not an onset.
    if (frameEnergy && t > 0) {
      const before = frameEnergy[t - 1]!;
      const after = Math.max(frameEnergy[t]!, t + 1 < frameEnergy.length ? frameEnergy[t + 1]! : 0);
      if (!(after > 1.05 * before)) continue;
    }
    // The peak can come one frame after the one the onset entered (a Hann window barely sees its last hop).
    const lo = Math.max(0, t * hop + nFft - 2 * hop);
    const time = steepestRise(x, lo, t * hop + nFft, sampleRate) / sampleRate;
    if (time - last < minGapSeconds) continue;
    times.push(time);
    last = time;
  }
  return times;
}

/** Start of the 1 ms block in [lo, hi) whose RMS rises most over the preceding block. */
function steepestRise(x: Float32Array, lo: number, hi: number, sampleRate: number): number {
  const block = Math.max(1, Math.round(sampleRate / 1000));
  const rms = (s: number) => {
    let acc = 0;
    const e = Math.min(x.length, s + block);
    for (let i = Math.max(0, s); i < e; i++) acc += x[i]! * x[i]!;
    return Math.sqrt(acc / block);
  };
  let best = lo;
  let bestRise = -Infinity;
  let prev = rms(lo - block);
  for (let s = lo; s < Math.min(hi, x.length); s += block) {
    const cur = rms(s);
    if (cur - prev > bestRise) {
      bestRise = cur - prev;
      best = s;
    }
    prev = cur;
  }
  return best;
}

/** The one-shot's onset in samples: start of the first 1 ms block whose peak reaches `belowPeakDb` under the peak. */
export function firstOnsetSample(x: Float32Array, sampleRate: number, belowPeakDb = 40): number {
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    if (a > peak) peak = a;
  }
  if (peak === 0) return 0;
  const level = peak * 10 ** (-belowPeakDb / 20);
  const block = Math.max(1, Math.round(sampleRate / 1000));
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]!) >= level) return i - (i % block);
  }
  return 0;
}
