// Integrated loudness (LUFS) per ITU-R BS.1770-4: K-weighting (high shelf + high pass), mean square per
// channel summed (weight 1 for L/R/C/mono), 400 ms blocks with 75 % overlap, absolute gate −70 LUFS and
// relative gate −10 LU. The K-weighting filters are designed for any sample rate from their analog
// parameters (shelf: gain 3.99984 dB, Q 0.70718, 1681.97 Hz, band-gain exponent 0.49967; high pass:
// Q 0.50033, 38.1355 Hz — values fitted to the standard's 48 kHz coefficients, as used by libebur128 (MIT)
// and pyloudnorm (MIT)); at 48 kHz they reproduce the standard's coefficients.
// Sounds shorter than one block are measured as a single block over their whole length.

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

export function highShelf(sampleRate: number): Biquad {
  const G = 3.999843853973347;
  const Q = 0.7071752369554196;
  const fc = 1681.974450955533;
  const vh = 10 ** (G / 20);
  const vb = vh ** 0.4996667741545416;
  const K = Math.tan((Math.PI * fc) / sampleRate);
  const a0 = 1 + K / Q + K * K;
  return {
    b0: (vh + (vb * K) / Q + K * K) / a0,
    b1: (2 * (K * K - vh)) / a0,
    b2: (vh - (vb * K) / Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
}

export function highPass(sampleRate: number): Biquad {
  const Q = 0.5003270373238773;
  const fc = 38.13547087602444;
  const w0 = (2 * Math.PI * fc) / sampleRate;
  const alpha = Math.sin(w0) / (2 * Q);
  const c = Math.cos(w0);
  const a0 = 1 + alpha;
  return { b0: 1, b1: -2, b2: 1, a1: (-2 * c) / a0, a2: (1 - alpha) / a0 };
}

function filter(x: Float32Array | Float64Array, f: Biquad, out: Float64Array): void {
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const y = f.b0 * v + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
    x2 = x1;
    x1 = v;
    y2 = y1;
    y1 = y;
    out[i] = y;
  }
}

/** K-weighted signal of one channel (float64). */
export function kWeight(x: Float32Array, sampleRate: number): Float64Array {
  const y = new Float64Array(x.length);
  filter(x, highShelf(sampleRate), y);
  filter(y, highPass(sampleRate), y); // in place: each input sample is read before its output is written
  return y;
}

/** Integrated loudness in LUFS (−Infinity for silence). */
export function integratedLoudness(channels: Float32Array[], sampleRate: number): number {
  const n = channels.length ? channels[0]!.length : 0;
  if (n === 0) return -Infinity;
  // Prefix sums of the K-weighted squares summed over the channels (all channel weights are 1), so each
  // block's Σ_c mean square is one subtraction.
  const prefix = new Float64Array(n + 1);
  for (const c of channels) {
    const w = kWeight(c, sampleRate);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += w[i]! * w[i]!;
      prefix[i + 1] += acc;
    }
  }
  const block = Math.round(0.4 * sampleRate);
  const step = Math.round(0.1 * sampleRate);
  const blocks: number[] = [];
  const blockPower = (s: number, len: number) => (prefix[s + len]! - prefix[s]!) / len;
  if (n < block) blocks.push(blockPower(0, n));
  else for (let s = 0; s + block <= n; s += step) blocks.push(blockPower(s, block));
  const lufs = (z: number) => -0.691 + 10 * Math.log10(z);
  const absGated = blocks.filter((z) => z > 0 && lufs(z) > -70);
  if (!absGated.length) return -Infinity;
  const meanAbs = absGated.reduce((a, b) => a + b, 0) / absGated.length;
  const relGate = lufs(meanAbs) - 10;
  const relGated = absGated.filter((z) => lufs(z) > relGate);
  const mean = relGated.reduce((a, b) => a + b, 0) / relGated.length;
  return lufs(mean);
}
