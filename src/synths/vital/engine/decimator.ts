// 2:1 half-band FIR decimator (Kaiser-windowed sinc) that brings the oversampled voice output back to the
// host rate. Its latency is trimmed so the total output delay matches Vital's measured ≈1.5 host samples.

const TAPS = 31; // odd; the centre is at index 15
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

/** Kaiser-windowed half-band low-pass (cutoff at a quarter of the rate), unity DC gain. */
function halfBand(taps: number, beta: number): Float64Array {
  const centre = (taps - 1) / 2;
  const h = new Float64Array(taps);
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const m = i - centre;
    const sinc = m === 0 ? 0.5 : Math.sin((Math.PI * m) / 2) / (Math.PI * m);
    const r = m / centre;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / besselI0(beta);
    h[i] = sinc * w;
    sum += h[i]!;
  }
  for (let i = 0; i < taps; i++) h[i] = h[i]! / sum;
  return h;
}

const COEFS = halfBand(TAPS, 8);
/** A longer filter for the one-off upsampling of the sample oscillator's audio (sharper band edge). */
const UP_TAPS = 255;
const UP_CENTER = (UP_TAPS - 1) / 2;
const UP_COEFS = halfBand(UP_TAPS, 9);

/**
 * Streaming 2:1 decimator. Each output is produced after an even-indexed input sample and is centred
 * CENTER input samples earlier (CENTER/2 output samples); dropping the first OFFLINE_DROP outputs leaves
 * Vital's ≈1.5-sample delay. Oscillators keep no harmonics above the host Nyquist, so the short filter only
 * has to suppress what filters and the sample oscillator add up there.
 */
export const OFFLINE_DROP = (CENTER - 3) / 2;

export class Decimator2 {
  private readonly hist = new Float64Array(TAPS * 2);
  private pos = 0;
  private count = 0;

  /** Whether this decimator's state equals `o`'s (so identical input gives identical output). */
  mirrors(o: Decimator2): boolean {
    if (this.pos !== o.pos || this.count !== o.count) return false;
    // comparing the live window is enough: the mirrored half holds the same values
    const a = this.hist;
    const b = o.hist;
    for (let i = 0; i < TAPS; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  copyFrom(o: Decimator2): void {
    this.hist.set(o.hist);
    this.pos = o.pos;
    this.count = o.count;
  }

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
        for (let m = 1; m <= CENTER; m += 2)
          acc += COEFS[CENTER + m]! * (h[base + CENTER - m]! + h[base + CENTER + m]!);
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
    for (let m = 1; m <= UP_CENTER; m += 2) {
      const a = i - (m - 1) / 2;
      const b = i + (m + 1) / 2;
      const xa = x[((a % n) + n) % n]!;
      const xb = x[b % n]!;
      acc += UP_COEFS[UP_CENTER + m]! * (xa + xb);
    }
    y[2 * i + 1] = 2 * acc;
  }
  return y;
}
