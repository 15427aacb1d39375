// Vital's phaser filter model (model 7) for filters 1/2 and the effect-chain filter: three groups of four
// one-pole all-pass stages at the cutoff, blend choosing 1, 2 or 3 groups (peaks), band-limited feedback of the
// last all-pass output (resonance 0 … 1), style 1 inverting the feedback and wet polarity, output the average
// of input and all-pass output. The voice filter is Vital's non-"clean" variant: feedback unsaturated, the
// all-pass input hard-tanh-saturated. Facts from Vital (GPL-3.0, Matt Tytel), ../shared/reference/vital.md §5.3.
import { hardTanh } from "./tanh.ts";
import { flush } from "./effects/common.ts";

const STAGES = 12;
const PEAK_STAGES = 4;
const CLEAR_RATIO = 20;

export interface PhaserFilterSettings {
  style: number;
  resonance: number;
  driveGain: number;
  blend: number;
}

export class PhaserFilter {
  private readonly stages = new Float64Array(STAGES);
  private lows = 0;
  private highs = 0;
  private allpass = 0;

  reset(): void {
    this.stages.fill(0);
    this.lows = this.highs = this.allpass = 0;
  }

  /** Every state is zero (silent input then gives silent output). */
  atRest(): boolean {
    return this.lows === 0 && this.highs === 0 && this.allpass === 0 && this.stages.every((v) => v === 0);
  }

  copyStateFrom(o: PhaserFilter): void {
    this.stages.set(o.stages);
    this.lows = o.lows;
    this.highs = o.highs;
    this.allpass = o.allpass;
  }

  /** Filter `n` samples in place with the one-pole coefficient ramped from `g0` to `g1`. */
  process(buf: Float32Array, n: number, g0: number, g1: number, s: PhaserFilterSettings): void {
    const res = Math.max(0, Math.min(1, s.resonance));
    const drive = (res * 0.5 + 1) * s.driveGain;
    const p1 = Math.max(0, Math.min(1, 1 - s.blend));
    const p5 = Math.max(0, Math.min(1, s.blend - 1));
    const p3 = 1 - p1 - p5;
    const invert = s.style !== 0 ? -1 : 1;
    const stages = this.stages;
    let lows = this.lows;
    let highs = this.highs;
    let allpass = this.allpass;
    const dg = (g1 - g0) / n;
    for (let i = 0; i < n; i++) {
      const g = g0 + dg * (i + 1);
      const x = buf[i]!;
      let d = Math.min(g * CLEAR_RATIO, 0.9) * (allpass - lows);
      const lo = lows + d;
      lows = lo + d;
      d = (g / CLEAR_RATIO) * (lo - highs);
      const hi = highs + d;
      highs = hi + d;
      let y = hardTanh(drive * x + invert * res * (lo - hi));
      let out1 = 0;
      let out3 = 0;
      for (let k = 0; k < STAGES; k++) {
        const z = stages[k]!;
        const dk = g * (y - z);
        const lp = z + dk;
        stages[k] = lp + dk;
        y -= 2 * lp;
        if (k === PEAK_STAGES - 1) out1 = y;
        else if (k === 2 * PEAK_STAGES - 1) out3 = y;
      }
      allpass = p1 * out1 + p3 * out3 + p5 * y;
      buf[i] = (x + invert * allpass) * 0.5;
    }
    for (let k = 0; k < STAGES; k++) stages[k] = flush(stages[k]!);
    this.lows = flush(lows);
    this.highs = flush(highs);
    this.allpass = flush(allpass);
  }
}
