// Vital's digital state-variable filter in its "basic" form (no saturation, no drive compensation), as used by
// the EQ bands and the distortion's filter; plus its shelving and notch styles (vital.md §5.1, §8).
// Output y = c0·x + c1·band + c2·low; coefficients are set per block and the cutoff ramps across it.

import { flush } from "./common.ts";

export const SVF_PASS = 0;
export const SVF_NOTCH = 2;
export const SVF_SHELF = 5;

export class BasicSvf {
  private ic1 = 0;
  private ic2 = 0;
  private g = -1;
  private c0 = 0;
  private c1 = 0;
  private c2 = 0;
  private k = 1;

  reset(): void {
    this.ic1 = this.ic2 = 0;
    this.g = -1;
  }

  /**
   * Set this block's response. `blend` is the pass blend 0 … 2 (low / band / high; for the shelf: low shelf,
   * bell, high shelf), `resonance` 0 … 1 (Q = 0.5 + 15.5·r³), `gainDb` only for the shelf.
   */
  setup(style: number, blend: number, resonance: number, gainDb: number): void {
    const rp = Math.min(1, Math.max(0, resonance));
    const k = 1 / (0.5 + 15.5 * rp * rp * rp);
    const b = Math.min(1, Math.max(-1, blend - 1));
    let low: number;
    let band: number;
    let high: number;
    if (style === SVF_SHELF) {
      const a = Math.pow(10, Math.min(15, Math.max(-15, gainDb)) / 20);
      const sa = Math.sqrt(a);
      const lowT = Math.min(1, Math.max(0, b + 1));
      const highT = Math.min(1, Math.max(0, b));
      const bandT = 1 - b * b;
      low = a + (1 - a) * lowT;
      high = 1 + (a - 1) * highT;
      band = k * sa * (1 + (sa - 1) * bandT);
    } else if (style === SVF_NOTCH) {
      low = Math.min(1 - b, 1);
      high = Math.min(1 + b, 1);
      band = 0;
    } else {
      band = Math.sqrt(Math.max(0, 1 - b * b));
      low = b < 0 ? -b : 0;
      high = b > 0 ? b : 0;
    }
    this.k = k;
    this.c0 = high;
    this.c1 = band - k * high;
    this.c2 = low - high;
  }

  /** Filter n samples in place; the cutoff (MIDI note) ramps from the previous block's to this one. */
  process(buf: Float32Array, n: number, cutoffNote: number, sampleRate: number): void {
    const hz = 8.1757989156 * Math.pow(2, cutoffNote / 12);
    const target = Math.tan(Math.PI * Math.min(Math.max(hz, 1) / sampleRate, 0.499));
    const g0 = this.g < 0 ? target : this.g;
    const dg = (target - g0) / n;
    const k = this.k;
    const c0 = this.c0;
    const c1 = this.c1;
    const c2 = this.c2;
    let ic1 = this.ic1;
    let ic2 = this.ic2;
    for (let i = 0; i < n; i++) {
      const g = g0 + dg * (i + 1);
      const a1 = 1 / (1 + g * (g + k));
      const a2 = g * a1;
      const a3 = g * a2;
      const x = buf[i]!;
      const v3 = x - ic2;
      const v1 = a1 * ic1 + a2 * v3;
      const v2 = ic2 + a2 * ic1 + a3 * v3;
      ic1 = 2 * v1 - ic1;
      ic2 = 2 * v2 - ic2;
      buf[i] = c0 * x + c1 * v1 + c2 * v2;
    }
    this.ic1 = flush(ic1);
    this.ic2 = flush(ic2);
    this.g = target;
  }
}
