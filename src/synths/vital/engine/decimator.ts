// 2:1 half-band FIR decimator (Kaiser-windowed sinc) that brings the oversampled voice output back to the
// host rate. Its latency is trimmed so the total output delay matches Vital's measured ≈1.5 host samples.

import {
  decimatorKernels,
  decimatorModuleBytes,
  KERNEL_OUTPUTS,
  type DecimatorKernel,
  type HalfBandTaps,
} from "./decimator-kernel.ts";
import { lazyModule } from "./effects/wasm.ts";

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

/**
 * Streaming 2:1 decimator. Each output is produced after an even-indexed input sample and is centred
 * CENTER input samples earlier (CENTER/2 output samples); dropping the first OFFLINE_DROP outputs leaves
 * Vital's ≈1.5-sample delay. Oscillators keep no harmonics above the host Nyquist, so the short filter only
 * has to suppress what filters and the sample oscillator add up there.
 */
export const OFFLINE_DROP = (CENTER - 3) / 2;

/**
 * The filter as two polyphase branches: an output is the centre tap times an odd-indexed input plus each pair
 * tap (1, 3, … 15 inputs either side of the centre) times a sum of two even-indexed inputs.
 */
const BRANCHES: HalfBandTaps = {
  centre: COEFS[CENTER]!,
  pairs: Array.from({ length: (CENTER + 1) / 2 }, (_, k) => COEFS[CENTER + 1 + 2 * k]!),
};
/** Inputs of each parity kept from before the block (a window spans CENTER + 1 even and CENTER odd inputs). */
const HISTORY = CENTER;
/** Output j's centre is odd[j + MID]; its pair taps read even[j + MID − k] and even[j + MID + 1 + k]. */
const MID = (HISTORY - 1) / 2;

const kernelModule = lazyModule(() => decimatorModuleBytes(BRANCHES, HISTORY));

export class Decimator2 {
  /** The WebAssembly kernel (made at first use; null where WebAssembly SIMD is missing: the scalar loop runs). */
  private kernel: DecimatorKernel | null | undefined;
  /** HISTORY earlier even-indexed inputs, then the block's (in the kernel's memory once there is one). */
  private even: Float64Array;
  /** The same for the odd-indexed inputs. */
  private odd: Float64Array;

  /** `kernel`: the kernel to run on (null: the scalar loop); by default one is made at the first block. */
  constructor(kernel?: DecimatorKernel | null) {
    this.kernel = kernel;
    this.even = kernel ? kernel.even : new Float64Array(HISTORY + KERNEL_OUTPUTS + 2);
    this.odd = kernel ? kernel.odd : new Float64Array(HISTORY + KERNEL_OUTPUTS + 2);
  }

  /** A left/right pair with its kernels made now, sharing one WebAssembly instance. */
  static stereo(): [Decimator2, Decimator2] {
    const mod = kernelModule();
    const [l, r] = mod ? decimatorKernels(mod, HISTORY, 2) : [null, null];
    return [new Decimator2(l), new Decimator2(r)];
  }

  /** Whether this decimator's state equals `o`'s (so identical input gives identical output). */
  mirrors(o: Decimator2): boolean {
    for (let i = 0; i < HISTORY; i++)
      if (this.even[i] !== o.even[i] || this.odd[i] !== o.odd[i]) return false;
    return true;
  }

  copyFrom(o: Decimator2): void {
    this.even.set(o.even.subarray(0, HISTORY));
    this.odd.set(o.odd.subarray(0, HISTORY));
  }

  reset(): void {
    this.even.fill(0);
    this.odd.fill(0);
  }

  /**
   * Consume `n` (even) oversampled samples of `input`; write n/2 outputs to `out` from `outOffset`. Returns
   * the number of outputs.
   */
  process(input: Float32Array, n: number, out: Float32Array, outOffset: number): number {
    if (this.kernel === undefined) this.startKernel();
    const kernel = this.kernel;
    const even = this.even;
    const odd = this.odd;
    let w = outOffset;
    for (let from = 0; from + 1 < n; from += 2 * KERNEL_OUTPUTS) {
      const outputs = Math.min(KERNEL_OUTPUTS, (n - from) >> 1);
      for (let j = 0; j < outputs; j++) {
        even[HISTORY + j] = input[from + 2 * j]!;
        odd[HISTORY + j] = input[from + 2 * j + 1]!;
      }
      if (kernel) {
        kernel.run(outputs);
        const k = kernel.out;
        for (let j = 0; j < outputs; j++) out[w + j] = k[j]!;
      } else this.filter(outputs, out, w);
      w += outputs;
      even.copyWithin(0, outputs, outputs + HISTORY);
      odd.copyWithin(0, outputs, outputs + HISTORY);
    }
    return w - outOffset;
  }

  /** Make the kernel (once) and move the state into its memory. */
  private startKernel(): void {
    const mod = kernelModule();
    const kernel = mod ? decimatorKernels(mod, HISTORY, 1)[0]! : null;
    if (kernel) {
      kernel.even.set(this.even.subarray(0, HISTORY));
      kernel.odd.set(this.odd.subarray(0, HISTORY));
      this.even = kernel.even;
      this.odd = kernel.odd;
    }
    this.kernel = kernel;
  }

  /** The scalar FIR (the kernel's arithmetic, in its order): `outputs` outputs to `out` from `w`. */
  private filter(outputs: number, out: Float32Array, w: number): void {
    const e = this.even;
    const o = this.odd;
    const c0 = BRANCHES.centre;
    const [c1, c3, c5, c7, c9, c11, c13, c15] = BRANCHES.pairs as readonly number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    for (let j = 0; j < outputs; j++) {
      const m = j + MID;
      let acc = c0 * o[m]!;
      acc += c1 * (e[m]! + e[m + 1]!);
      acc += c3 * (e[m - 1]! + e[m + 2]!);
      acc += c5 * (e[m - 2]! + e[m + 3]!);
      acc += c7 * (e[m - 3]! + e[m + 4]!);
      acc += c9 * (e[m - 4]! + e[m + 5]!);
      acc += c11 * (e[m - 5]! + e[m + 6]!);
      acc += c13 * (e[m - 6]! + e[m + 7]!);
      acc += c15 * (e[m - 7]! + e[m + 8]!);
      out[w + j] = acc;
    }
  }
}
