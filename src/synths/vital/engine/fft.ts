// In-place iterative radix-2 complex FFT with precomputed twiddles and bit-reversal table.
// Used off the audio path (wavetable preparation) and at the oscillator's control rate.

import { realInverseKernel, realInverseKernelBytes, type RealInverseKernel } from "./fft-kernel.ts";
import { lazyModule } from "./effects/wasm.ts";

/** Angle of twiddle j (1 … 3) at index k of the radix-4 stage that joins four blocks of h points. */
function twiddleAngle(j: number, k: number, h: number): number {
  return (2 * Math.PI * j * k) / (4 * h);
}

/** The real inverse's WebAssembly module per half size (compiled once; null without SIMD). */
const realInverseModules = new Map<number, () => WebAssembly.Module | null>();

function realInverseModule(half: number): WebAssembly.Module | null {
  let mod = realInverseModules.get(half);
  if (!mod) {
    mod = lazyModule(() => realInverseKernelBytes(half));
    realInverseModules.set(half, mod);
  }
  return mod();
}

export class Fft {
  readonly size: number;
  /**
   * Twiddles of the radix-4 stages, stage after stage: a stage joining four blocks of `h` points reads, for each
   * k < h, cos and sin of 2π·j·k/(4h) for j = 1, 2, 3 (six numbers per k, contiguous).
   */
  private readonly twiddles: Float64Array;
  private readonly rev: Uint32Array;

  constructor(size: number) {
    if (size < 2 || (size & (size - 1)) !== 0)
      throw new Error(`FFT size must be a power of two, got ${size}`);
    this.size = size;
    const tw: number[] = [];
    for (let h = Fft.firstQuarter(size); 4 * h <= size; h *= 4) {
      for (let k = 0; k < h; k++) {
        for (let j = 1; j <= 3; j++) {
          const angle = twiddleAngle(j, k, h);
          tw.push(Math.cos(angle), Math.sin(angle));
        }
      }
    }
    this.twiddles = Float64Array.from(tw);
    this.rev = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** Block size the first radix-4 stage joins: 2 after a radix-2 stage (odd powers of two), else 1. */
  private static firstQuarter(size: number): number {
    return Math.log2(size) % 2 === 1 ? 2 : 1;
  }

  /**
   * Forward (sign −1) or inverse (sign +1, unscaled) transform of (re, im) in place: decimation in time on
   * bit-reversed input, one radix-2 stage when log2(size) is odd, then radix-4 stages (each does the work of
   * two radix-2 stages with three complex products per four points instead of four).
   */
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
    this.transformBitReversed(re, im, inverse);
  }

  /** Index i's position in bit-reversed order. */
  bitReversed(i: number): number {
    return this.rev[i]!;
  }

  /**
   * `transform` of input already in bit-reversed order (x[k] at bitReversed(k)), for callers that can write it
   * there directly; the output is in natural order.
   */
  transformBitReversed(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const n = this.size;
    const first = Fft.firstQuarter(n);
    if (first === 2) {
      // the radix-2 stage's only twiddle is 1: sums and differences of neighbours
      for (let a = 0; a < n; a += 2) {
        const xr = re[a + 1]!;
        const xi = im[a + 1]!;
        re[a + 1] = re[a]! - xr;
        im[a + 1] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
    const sgn = inverse ? 1 : -1;
    const tw = this.twiddles;
    let t = 0;
    for (let h = first; 4 * h <= n; h *= 4) {
      const len = 4 * h;
      for (let k = 0; k < h; k++, t += 6) {
        const w1r = tw[t]!;
        const w1i = sgn * tw[t + 1]!;
        const w2r = tw[t + 2]!;
        const w2i = sgn * tw[t + 3]!;
        const w3r = tw[t + 4]!;
        const w3i = sgn * tw[t + 5]!;
        for (let a0 = k; a0 < n; a0 += len) {
          // bit-reversed blocks: a1 holds the odd half of the first pair, a2/a3 the second pair
          const a1 = a0 + h;
          const a2 = a1 + h;
          const a3 = a2 + h;
          // x1 · w², x2 · w, x3 · w³ (w = e^{±2πi·k/(4h)})
          const b1r = re[a1]! * w2r - im[a1]! * w2i;
          const b1i = re[a1]! * w2i + im[a1]! * w2r;
          const b2r = re[a2]! * w1r - im[a2]! * w1i;
          const b2i = re[a2]! * w1i + im[a2]! * w1r;
          const b3r = re[a3]! * w3r - im[a3]! * w3i;
          const b3i = re[a3]! * w3i + im[a3]! * w3r;
          const s0r = re[a0]! + b1r;
          const s0i = im[a0]! + b1i;
          const d0r = re[a0]! - b1r;
          const d0i = im[a0]! - b1i;
          const s1r = b2r + b3r;
          const s1i = b2i + b3i;
          // (b2 − b3) · (±i)
          const d1r = -sgn * (b2i - b3i);
          const d1i = sgn * (b2r - b3r);
          re[a0] = s0r + s1r;
          im[a0] = s0i + s1i;
          re[a2] = s0r - s1r;
          im[a2] = s0i - s1i;
          re[a1] = d0r + d1r;
          im[a1] = d0i + d1i;
          re[a3] = d0r - d1r;
          im[a3] = d0i - d1i;
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
  /** Bit-reversed positions of the half-size transform's inputs. */
  private readonly rev: Uint32Array;
  /** The whole inverse in WebAssembly (null where it is missing: the scalar code below runs). */
  private readonly kernel: RealInverseKernel | null;

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
    this.rev = Uint32Array.from({ length: m }, (_, k) => this.half.bitReversed(k));
    const mod = m >= 16 ? realInverseModule(m) : null;
    this.kernel = mod
      ? realInverseKernel(
          mod,
          m,
          (h, k) =>
            [1, 2, 3].flatMap((j) => [Math.cos(twiddleAngle(j, k, h)), Math.sin(twiddleAngle(j, k, h))]),
          this.wr,
          this.wi,
          this.rev,
        )
      : null;
  }

  /** `re`/`im` hold bins 0 … n/2; writes n samples (times n) to `out` starting at `offset`. */
  inverse(re: Float64Array, im: Float64Array, out: Float32Array, offset: number, scale: number): void {
    const m = this.size / 2;
    const k = this.kernel;
    if (k) {
      if (re.length <= m + 2 && im.length <= m + 2) {
        k.re.set(re);
        k.im.set(im);
      } else {
        for (let i = 0; i <= m; i++) {
          k.re[i] = re[i]!;
          k.im[i] = im[i]!;
        }
      }
      k.run(2 * scale);
      out.set(k.out, offset);
      return;
    }
    const zr = this.zr;
    const zi = this.zi;
    const rev = this.rev;
    const wr = this.wr;
    const wi = this.wi;
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
      const or = dr * wr[k]! - di * wi[k]!;
      const oi = dr * wi[k]! + di * wr[k]!;
      // Z = E + j·O, stored in the bit-reversed order the transform's butterflies start from
      const at = rev[k]!;
      zr[at] = er - oi;
      zi[at] = ei + or;
    }
    this.half.transformBitReversed(zr, zi, true);
    const s = 2 * scale; // unscaled size-m inverse is n/2 times the signal; match the size-n convention
    for (let i = 0; i < m; i++) {
      out[offset + 2 * i] = zr[i]! * s;
      out[offset + 2 * i + 1] = zi[i]! * s;
    }
  }
}
