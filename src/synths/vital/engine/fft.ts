// In-place iterative radix-2 complex FFT with precomputed twiddles and bit-reversal table.
// Used off the audio path (wavetable preparation) and at the oscillator's control rate.

export class Fft {
  readonly size: number;
  /**
   * Twiddles stage by stage: the stage joining blocks of `half` points reads cos/sin(2π·k/(2·half)) for
   * k < half at index half − 1 + k (n − 1 entries in all), so each stage reads its own contiguous run.
   */
  private readonly twCos: Float64Array;
  private readonly twSin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(size: number) {
    if (size < 2 || (size & (size - 1)) !== 0)
      throw new Error(`FFT size must be a power of two, got ${size}`);
    this.size = size;
    this.twCos = new Float64Array(size - 1);
    this.twSin = new Float64Array(size - 1);
    for (let half = 1; half < size; half <<= 1) {
      const step = size / (2 * half);
      for (let k = 0; k < half; k++) {
        this.twCos[half - 1 + k] = Math.cos((2 * Math.PI * k * step) / size);
        this.twSin[half - 1 + k] = Math.sin((2 * Math.PI * k * step) / size);
      }
    }
    this.rev = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** Forward (sign −1) or inverse (sign +1, unscaled) transform of (re, im) in place. */
  transform(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const n = this.size;
    const rev = this.rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (j > i) {
        const tr = re[i]!;
        re[i] = re[j]!;
        re[j] = tr;
        const ti = im[i]!;
        im[i] = im[j]!;
        im[j] = ti;
      }
    }
    // the first stage's only twiddle is 1: plain sums and differences of neighbours
    for (let a = 0; a < n; a += 2) {
      const xr = re[a + 1]!;
      const xi = im[a + 1]!;
      re[a + 1] = re[a]! - xr;
      im[a + 1] = im[a]! - xi;
      re[a] = re[a]! + xr;
      im[a] = im[a]! + xi;
    }
    const sgn = inverse ? 1 : -1;
    const twCos = this.twCos;
    const twSin = this.twSin;
    for (let half = 2; half < n; half <<= 1) {
      const len = half << 1;
      // one twiddle at a time across all blocks of the stage (the early stages have few twiddles, many blocks)
      for (let k = 0; k < half; k++) {
        const wr = twCos[half - 1 + k]!;
        const wi = sgn * twSin[half - 1 + k]!;
        for (let a = k; a < n; a += len) {
          const b = a + half;
          const xr = re[b]! * wr - im[b]! * wi;
          const xi = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a] = re[a]! + xr;
          im[a] = im[a]! + xi;
        }
      }
    }
  }
}

/**
 * Inverse DFT of a real signal of length n from its half spectrum (bins 0 … n/2) via one complex FFT of
 * size n/2. Output is unscaled like `Fft.transform(…, true)`: multiply by 1/n for the signal.
 */
export class RealInverseFft {
  readonly size: number;
  private readonly half: Fft;
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;

  constructor(size: number) {
    this.size = size;
    const m = size / 2;
    this.half = new Fft(m);
    this.wr = new Float64Array(m);
    this.wi = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      this.wr[k] = Math.cos((2 * Math.PI * k) / size);
      this.wi[k] = Math.sin((2 * Math.PI * k) / size);
    }
    this.zr = new Float64Array(m);
    this.zi = new Float64Array(m);
  }

  /** `re`/`im` hold bins 0 … n/2; writes n samples (times n) to `out` starting at `offset`. */
  inverse(re: Float64Array, im: Float64Array, out: Float32Array, offset: number, scale: number): void {
    const m = this.size / 2;
    const zr = this.zr;
    const zi = this.zi;
    for (let k = 0; k < m; k++) {
      const ar = re[k]!;
      const ai = im[k]!;
      const br = re[m - k]!; // conj(X[m − k]) = (br, −bi)
      const bi = -im[m - k]!;
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      const dr = 0.5 * (ar - br);
      const di = 0.5 * (ai - bi);
      // O = d · e^{+2πjk/n}
      const or = dr * this.wr[k]! - di * this.wi[k]!;
      const oi = dr * this.wi[k]! + di * this.wr[k]!;
      // Z = E + j·O
      zr[k] = er - oi;
      zi[k] = ei + or;
    }
    this.half.transform(zr, zi, true);
    const s = 2 * scale; // unscaled size-m inverse is n/2 times the signal; match the size-n convention
    for (let i = 0; i < m; i++) {
      out[offset + 2 * i] = zr[i]! * s;
      out[offset + 2 * i + 1] = zi[i]! * s;
    }
  }
}
