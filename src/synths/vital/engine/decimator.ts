// 2:1 half-band FIR decimator (Kaiser-windowed sinc) that brings the oversampled voice output back to the
// host rate. Its latency is trimmed so the total output delay matches Vital's measured ≈1.5 host samples.

const TAPS = 63; // odd; the centre is at index 31
const CENTER = (TAPS - 1) / 2;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 30; k++) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
  }
  return sum;
}

/** Non-zero taps of the half-band filter: the centre and the odd offsets. */
const COEFS = (() => {
  const beta = 8;
  const h = new Float64Array(TAPS);
  let sum = 0;
  for (let i = 0; i < TAPS; i++) {
    const m = i - CENTER;
    const sinc = m === 0 ? 0.5 : Math.sin((Math.PI * m) / 2) / (Math.PI * m);
    const r = m / CENTER;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / besselI0(beta);
    h[i] = sinc * w;
    sum += h[i]!;
  }
  for (let i = 0; i < TAPS; i++) h[i] = h[i]! / sum;
  return h;
})();

/**
 * Streaming 2:1 decimator. Each output is produced after an even-indexed input sample and is centred
 * CENTER (31) input samples earlier, so its latency is 15.5 output samples; dropping the first
 * OFFLINE_DROP outputs leaves Vital's ≈1.5-sample delay.
 */
export const OFFLINE_DROP = 14;

export class Decimator2 {
  private readonly hist = new Float64Array(TAPS * 2);
  private pos = 0;
  private count = 0;

  reset(): void {
    this.hist.fill(0);
    this.pos = 0;
    this.count = 0;
  }

  /** Consume `n` oversampled samples of `input`; write n/2 outputs to `out` from `outOffset`. Returns outputs. */
  process(input: Float32Array, n: number, out: Float32Array, outOffset: number): number {
    const h = this.hist;
    let w = outOffset;
    let pos = this.pos;
    let count = this.count;
    const c = COEFS[CENTER]!;
    for (let i = 0; i < n; i++) {
      const x = input[i]!;
      h[pos] = x;
      h[pos + TAPS] = x; // mirrored so a window never wraps
      pos = pos + 1 === TAPS ? 0 : pos + 1;
      if ((count & 1) === 0) {
        // newest sample is at pos − 1; window oldest → newest is h[pos … pos + TAPS − 1]
        const base = pos;
        let acc = c * h[base + CENTER]!;
        for (let m = 1; m <= CENTER; m += 2) acc += COEFS[CENTER + m]! * (h[base + CENTER - m]! + h[base + CENTER + m]!);
        out[w++] = acc;
      }
      count++;
    }
    this.pos = pos;
    this.count = count & 1;
    return w - outOffset;
  }
}

/**
 * Band-limited 2× upsampling with the same half-band filter (zero-phase, circular at the ends so looped
 * samples stay seamless). Used once per patch for the sample oscillator.
 */
export function upsample2(x: Float32Array): Float32Array {
  const n = x.length;
  const y = new Float32Array(2 * n);
  if (n === 0) return y;
  for (let i = 0; i < n; i++) {
    y[2 * i] = x[i]!;
    let acc = 0;
    // odd output 2i+1 sits between x[i] and x[i+1]; taps at input offsets (m+1)/2 on either side
    for (let m = 1; m <= CENTER; m += 2) {
      const a = i - (m - 1) / 2;
      const b = i + (m + 1) / 2;
      const xa = x[((a % n) + n) % n]!;
      const xb = x[b % n]!;
      acc += COEFS[CENTER + m]! * (xa + xb);
    }
    y[2 * i + 1] = 2 * acc;
  }
  return y;
}
