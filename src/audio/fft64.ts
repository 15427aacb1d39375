// Double-precision real FFT in plain TypeScript (iterative radix-2 on n/2 complex points plus the
// real-input split). Used where float32 rounding would change a result: the log-magnitude term of MSS
// reads bins 140 dB below the peak, under pffft's single-precision noise floor. Slower than pffft-wasm
// (see bench/analysis.ts for both speeds).

interface Plan {
  n: number;
  half: number;
  rev: Uint32Array;
  /** Twiddles of every stage, concatenated: stage of size s holds e^{−2πik/s}, k < s/2, from offset s/2 − 1. */
  cos: Float64Array;
  sin: Float64Array;
  /** e^{−2πik/n}, k ≤ n/2 (split twiddles). */
  splitCos: Float64Array;
  splitSin: Float64Array;
  re: Float64Array;
  im: Float64Array;
}

const plans = new Map<number, Plan>();

function plan(n: number): Plan {
  let p = plans.get(n);
  if (p) return p;
  if (n < 4 || (n & (n - 1)) !== 0) throw new RangeError(`fft64 size must be a power of two ≥ 4, got ${n}`);
  const half = n / 2;
  const bits = Math.log2(half);
  const rev = new Uint32Array(half);
  for (let i = 0; i < half; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  const cos = new Float64Array(Math.max(1, half));
  const sin = new Float64Array(Math.max(1, half));
  for (let size = 2; size <= half; size <<= 1) {
    const base = size / 2 - 1;
    for (let k = 0; k < size / 2; k++) {
      cos[base + k] = Math.cos((2 * Math.PI * k) / size);
      sin[base + k] = -Math.sin((2 * Math.PI * k) / size);
    }
  }
  const splitCos = new Float64Array(half + 1);
  const splitSin = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    splitCos[k] = Math.cos((2 * Math.PI * k) / n);
    splitSin[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  p = { n, half, rev, cos, sin, splitCos, splitSin, re: new Float64Array(half), im: new Float64Array(half) };
  plans.set(n, p);
  return p;
}

/**
 * |X[k]|² for k = 0 … n/2 of the real frame `x` (length n, already windowed), into `out[base + k]`.
 */
export function realPowerSpectrum64(
  x: Float64Array,
  n: number,
  out: Float32Array | Float64Array,
  base = 0,
): void {
  const p = plan(n);
  const { half, rev, cos, sin, re, im } = p;
  for (let i = 0; i < half; i++) {
    const j = rev[i]!;
    re[j] = x[2 * i]!;
    im[j] = x[2 * i + 1]!;
  }
  // First stage (size 2, twiddle 1) on its own, then the general stages with contiguous twiddles.
  for (let a = 0; a < half; a += 2) {
    const r0 = re[a]!;
    const i0 = im[a]!;
    const r1 = re[a + 1]!;
    const i1 = im[a + 1]!;
    re[a] = r0 + r1;
    im[a] = i0 + i1;
    re[a + 1] = r0 - r1;
    im[a + 1] = i0 - i1;
  }
  for (let size = 4; size <= half; size <<= 1) {
    const h = size >> 1;
    const base = h - 1;
    for (let s = 0; s < half; s += size) {
      for (let k = 0; k < h; k++) {
        const wr = cos[base + k]!;
        const wi = sin[base + k]!;
        const a = s + k;
        const b = a + h;
        const br = re[b]!;
        const bi = im[b]!;
        const tr = wr * br - wi * bi;
        const ti = wr * bi + wi * br;
        const ar = re[a]!;
        const ai = im[a]!;
        re[b] = ar - tr;
        im[b] = ai - ti;
        re[a] = ar + tr;
        im[a] = ai + ti;
      }
    }
  }
  const { splitCos, splitSin } = p;
  for (let k = 0; k <= half; k++) {
    const k1 = k === half ? 0 : k;
    const k2 = k === 0 ? 0 : half - k;
    const zr = re[k1]!;
    const zi = im[k1]!;
    const cr = re[k2]!;
    const ci = -im[k2]!;
    // Even part (Z[k] + conj Z[half−k]) / 2, odd part (Z[k] − conj Z[half−k]) / 2i.
    const er = 0.5 * (zr + cr);
    const ei = 0.5 * (zi + ci);
    const or = 0.5 * (zi - ci);
    const oi = -0.5 * (zr - cr);
    const wr = splitCos[k]!;
    const wi = splitSin[k]!;
    const xr = er + wr * or - wi * oi;
    const xi = ei + wr * oi + wi * or;
    out[base + k] = xr * xr + xi * xi;
  }
}
