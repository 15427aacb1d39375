import { describe, expect, it } from "vitest";
import { Fft, RealInverseFft } from "../src/synths/vital/engine/fft.ts";

/** Direct O(n²) DFT (sign −1 forward, +1 inverse, unscaled). */
function dft(re: Float64Array, im: Float64Array, inverse: boolean): [Float64Array, Float64Array] {
  const n = re.length;
  const or = new Float64Array(n);
  const oi = new Float64Array(n);
  const sgn = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const a = (sgn * 2 * Math.PI * ((k * t) % n)) / n;
      or[k] += re[t]! * Math.cos(a) - im[t]! * Math.sin(a);
      oi[k] += re[t]! * Math.sin(a) + im[t]! * Math.cos(a);
    }
  }
  return [or, oi];
}

/** Deterministic pseudo-random values in [−1, 1). */
function noise(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

describe("Vital engine FFT", () => {
  it("matches a direct DFT forward and inverse for sizes 2 … 256", () => {
    for (let n = 2; n <= 256; n *= 2) {
      const fft = new Fft(n);
      for (const inverse of [false, true]) {
        const re = noise(n, n + (inverse ? 1 : 0));
        const im = noise(n, 7 * n);
        const [er, ei] = dft(re, im, inverse);
        fft.transform(re, im, inverse);
        for (let k = 0; k < n; k++) {
          expect(Math.abs(re[k]! - er[k]!)).toBeLessThan(1e-12 * n);
          expect(Math.abs(im[k]! - ei[k]!)).toBeLessThan(1e-12 * n);
        }
      }
    }
  });

  it("inverts its own forward transform (n · x) and rejects sizes that are not powers of two", () => {
    const fft = new Fft(2048);
    const x = noise(2048, 3);
    const re = x.slice();
    const im = new Float64Array(2048);
    fft.transform(re, im, false);
    fft.transform(re, im, true);
    for (let i = 0; i < 2048; i++) expect(re[i]! / 2048).toBeCloseTo(x[i]!, 12);
    expect(() => new Fft(48)).toThrow(/power of two/);
  });

  it("real inverse from a half spectrum equals the complex inverse of the full Hermitian spectrum", () => {
    const n = 2048;
    const half = n / 2;
    const re = noise(half + 1, 11);
    const im = noise(half + 1, 12);
    im[0] = 0;
    im[half] = 0;
    const fr = new Float64Array(n);
    const fi = new Float64Array(n);
    for (let k = 0; k <= half; k++) {
      fr[k] = re[k]!;
      fi[k] = im[k]!;
      if (k > 0 && k < half) {
        fr[n - k] = re[k]!;
        fi[n - k] = -im[k]!;
      }
    }
    new Fft(n).transform(fr, fi, true);
    const out = new Float32Array(n + 3);
    new RealInverseFft(n).inverse(re, im, out, 1, 1 / n);
    for (let i = 0; i < n; i++) expect(out[1 + i]!).toBeCloseTo(fr[i]! / n, 6);
    expect(out[0]).toBe(0);
    expect(out[n + 1]).toBe(0);
  });

  it("real inverse: the WebAssembly kernel gives the scalar code's bits, at odd and even powers of two", () => {
    for (const n of [64, 128, 2048, 4096]) {
      const half = n / 2;
      const re = noise(half + 1, n);
      const im = noise(half + 1, n + 1);
      im[0] = 0;
      im[half] = 0;
      const withKernel = new RealInverseFft(n);
      expect((withKernel as unknown as { kernel: unknown }).kernel).not.toBeNull();
      const scalar = new RealInverseFft(n);
      // what runs where WebAssembly SIMD is missing
      Object.assign(scalar, { kernel: null });
      const a = new Float32Array(n + 3);
      const b = new Float32Array(n + 3);
      for (let rep = 0; rep < 2; rep++) {
        withKernel.inverse(re, im, a, 1, 1 / n);
        scalar.inverse(re, im, b, 1, 1 / n);
        expect(Array.from(a)).toEqual(Array.from(b));
      }
      let energy = 0;
      for (let i = 1; i <= n; i++) energy += a[i]! * a[i]!;
      expect(energy).toBeGreaterThan(1e-4);
    }
  });
});
