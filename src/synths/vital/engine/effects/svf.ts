// Vital's digital state-variable filter in its "basic" form (no saturation, no drive compensation), as used by
// the EQ bands and the distortion's filter; plus its shelving and notch styles (vital.md §5.1, §8).
// Output y = c0·x + c1·band + c2·low; coefficients are set per block and the cutoff ramps across it.

import { DOUBLE_ZERO } from "../double-field.ts";
import { flush } from "./common.ts";

export const SVF_PASS = 0;
export const SVF_NOTCH = 2;
export const SVF_SHELF = 5;

export class BasicSvf {
  // number fields start as doubles: a preset that first stores a fraction must not change the class (double-field.ts)
  private ic1 = DOUBLE_ZERO;
  private ic2 = DOUBLE_ZERO;
  private g = -1.5; // below 0: no previous block's cutoff yet
  private c0 = DOUBLE_ZERO;
  private c1 = DOUBLE_ZERO;
  private c2 = DOUBLE_ZERO;
  private k = 1.5;
  // the last setup's arguments (blocks repeat them; the coefficients need pow and sqrt)
  private setupKey = [NaN, NaN, NaN, NaN];

  reset(): void {
    this.ic1 = this.ic2 = 0;
    this.g = -1;
  }

  /**
   * Set this block's response. `blend` is the pass blend 0 … 2 (low / band / high; for the shelf: low shelf,
   * bell, high shelf), `resonance` 0 … 1 (Q = 0.5 + 15.5·r³), `gainDb` only for the shelf.
   */
  setup(style: number, blend: number, resonance: number, gainDb: number): void {
    const key = this.setupKey;
    if (key[0] === style && key[1] === blend && key[2] === resonance && key[3] === gainDb) return;
    key[0] = style;
    key[1] = blend;
    key[2] = resonance;
    key[3] = gainDb;
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

  private target(cutoffNote: number, sampleRate: number): number {
    const hz = 8.1757989156 * Math.pow(2, cutoffNote / 12);
    return Math.tan(Math.PI * Math.min(Math.max(hz, 1) / sampleRate, 0.499));
  }

  /**
   * Filter a stereo pair in place: `this` runs `bufL` at `cutoffL`, `r` runs `bufR` at `cutoffR` (MIDI notes),
   * each cutoff ramping from its previous block's. Both channels share one loop so their recurrences overlap.
   */
  processPair(
    bufL: Float32Array,
    bufR: Float32Array,
    n: number,
    cutoffL: number,
    cutoffR: number,
    sampleRate: number,
    r: BasicSvf,
  ): void {
    const targetL = this.target(cutoffL, sampleRate);
    const targetR = r.target(cutoffR, sampleRate);
    const gL = this.g < 0 ? targetL : this.g;
    const gR = r.g < 0 ? targetR : r.g;
    const dgL = (targetL - gL) / n;
    const dgR = (targetR - gR) / n;
    const { k: kL, c0: c0L, c1: c1L, c2: c2L } = this;
    const { k: kR, c0: c0R, c1: c1R, c2: c2R } = r;
    let ic1 = this.ic1;
    let ic2 = this.ic2;
    let jc1 = r.ic1;
    let jc2 = r.ic2;
    // a steady cutoff keeps the coefficients for the whole block (the same values the ramp would give)
    const ramp = dgL !== 0 || dgR !== 0;
    let a1 = 1 / (1 + gL * (gL + kL));
    let b1 = 1 / (1 + gR * (gR + kR));
    let a2 = gL * a1;
    let b2 = gR * b1;
    let a3 = gL * a2;
    let b3 = gR * b2;
    for (let i = 0; i < n; i++) {
      if (ramp) {
        const g = gL + dgL * (i + 1);
        const h = gR + dgR * (i + 1);
        a1 = 1 / (1 + g * (g + kL));
        b1 = 1 / (1 + h * (h + kR));
        a2 = g * a1;
        b2 = h * b1;
        a3 = g * a2;
        b3 = h * b2;
      }
      const x = bufL[i]!;
      const y = bufR[i]!;
      const v3 = x - ic2;
      const w3 = y - jc2;
      const v1 = a1 * ic1 + a2 * v3;
      const w1 = b1 * jc1 + b2 * w3;
      const v2 = ic2 + a2 * ic1 + a3 * v3;
      const w2 = jc2 + b2 * jc1 + b3 * w3;
      ic1 = 2 * v1 - ic1;
      jc1 = 2 * w1 - jc1;
      ic2 = 2 * v2 - ic2;
      jc2 = 2 * w2 - jc2;
      bufL[i] = c0L * x + c1L * v1 + c2L * v2;
      bufR[i] = c0R * y + c1R * w1 + c2R * w2;
    }
    this.ic1 = flush(ic1);
    this.ic2 = flush(ic2);
    this.g = targetL;
    r.ic1 = flush(jc1);
    r.ic2 = flush(jc2);
    r.g = targetR;
  }
}
