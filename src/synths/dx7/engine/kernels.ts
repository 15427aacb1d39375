// Operator kernels: one 64-sample block of a sine operator with a linear gain ramp, plain, phase-modulated by a
// bus, or with self-feedback. Integer behaviour of msfa's fm_op_kernel.cc (Google, Apache-2.0);
// see ../shared/reference/dx7.md §2.9. Hot path: no allocation, typed arrays only.
import { SIN_TD } from "./tables.ts";

export const N = 64;
const INV24 = 1 / 16777216;
/** Above this gain the product SIN · gain may exceed 2^53 and needs the split multiplication. */
export const SAFE_GAIN = 2 ** 28;

/** (s · g) ≫ 24 exactly for any i32 g ≥ 0 (split so every partial product stays below 2^53). */
function mulShift24Wide(s: number, g: number): number {
  const gh = Math.floor(g / 4096);
  const gl = g - gh * 4096;
  return Math.floor((s * gh + Math.floor((s * gl) / 4096)) / 4096);
}

/** out[j] (=|+=) SIN(φ + in[j]) · g ≫ 24. `input` null means no modulation. */
export function renderOp(
  out: Int32Array,
  input: Int32Array | null,
  phase0: number,
  freq: number,
  g1: number,
  g2: number,
  add: boolean,
): void {
  const dg = (g2 - g1 + 32) >> 6;
  let g = g1;
  let phase = phase0;
  const sin = SIN_TD;
  if (g1 >= SAFE_GAIN || g2 >= SAFE_GAIN) {
    for (let j = 0; j < N; j++) {
      g += dg;
      const p = input === null ? phase : (phase + input[j]!) | 0;
      const i = (p >> 13) & 2046;
      const s = sin[i]! + ((sin[i + 1]! * (p & 16383)) >> 14);
      const y = mulShift24Wide(s, g);
      out[j] = add ? (out[j]! + y) | 0 : y;
      phase = (phase + freq) | 0;
    }
    return;
  }
  if (input === null) {
    if (add) {
      for (let j = 0; j < N; j++) {
        g += dg;
        const i = (phase >> 13) & 2046;
        const s = sin[i]! + ((sin[i + 1]! * (phase & 16383)) >> 14);
        out[j] = (out[j]! + Math.floor(s * (g * INV24))) | 0;
        phase = (phase + freq) | 0;
      }
    } else {
      for (let j = 0; j < N; j++) {
        g += dg;
        const i = (phase >> 13) & 2046;
        const s = sin[i]! + ((sin[i + 1]! * (phase & 16383)) >> 14);
        out[j] = Math.floor(s * (g * INV24));
        phase = (phase + freq) | 0;
      }
    }
  } else if (add) {
    for (let j = 0; j < N; j++) {
      g += dg;
      const p = (phase + input[j]!) | 0;
      const i = (p >> 13) & 2046;
      const s = sin[i]! + ((sin[i + 1]! * (p & 16383)) >> 14);
      out[j] = (out[j]! + Math.floor(s * (g * INV24))) | 0;
      phase = (phase + freq) | 0;
    }
  } else {
    for (let j = 0; j < N; j++) {
      g += dg;
      const p = (phase + input[j]!) | 0;
      const i = (p >> 13) & 2046;
      const s = sin[i]! + ((sin[i + 1]! * (p & 16383)) >> 14);
      out[j] = Math.floor(s * (g * INV24));
      phase = (phase + freq) | 0;
    }
  }
}

/**
 * Self-feedback operator: its phase is offset by (y[−2] + y[−1]) ≫ (shift + 1). `fb` holds the two last outputs
 * [y[−1], y[−2]] and is updated.
 */
export function renderFeedbackOp(
  out: Int32Array,
  fb: Int32Array,
  fbShift: number,
  phase0: number,
  freq: number,
  g1: number,
  g2: number,
  add: boolean,
): void {
  const dg = (g2 - g1 + 32) >> 6;
  let g = g1;
  let phase = phase0;
  let y1 = fb[0]!;
  let y2 = fb[1]!;
  const sh = fbShift + 1;
  const sin = SIN_TD;
  if (g1 >= SAFE_GAIN || g2 >= SAFE_GAIN) {
    for (let j = 0; j < N; j++) {
      g += dg;
      const p = (phase + ((y2 + y1) >> sh)) | 0;
      const i = (p >> 13) & 2046;
      const y = mulShift24Wide(sin[i]! + ((sin[i + 1]! * (p & 16383)) >> 14), g) | 0;
      y2 = y1;
      y1 = y;
      out[j] = add ? (out[j]! + y) | 0 : y;
      phase = (phase + freq) | 0;
    }
  } else if (add) {
    for (let j = 0; j < N; j++) {
      g += dg;
      const gf = g * INV24;
      const p = (phase + ((y2 + y1) >> sh)) | 0;
      const i = (p >> 13) & 2046;
      const y = Math.floor((sin[i]! + ((sin[i + 1]! * (p & 16383)) >> 14)) * gf);
      y2 = y1;
      y1 = y;
      out[j] = (out[j]! + y) | 0;
      phase = (phase + freq) | 0;
    }
  } else {
    for (let j = 0; j < N; j++) {
      g += dg;
      const gf = g * INV24;
      const p = (phase + ((y2 + y1) >> sh)) | 0;
      const i = (p >> 13) & 2046;
      const y = Math.floor((sin[i]! + ((sin[i + 1]! * (p & 16383)) >> 14)) * gf);
      y2 = y1;
      y1 = y;
      out[j] = y;
      phase = (phase + freq) | 0;
    }
  }
  fb[0] = y1;
  fb[1] = y2;
}
