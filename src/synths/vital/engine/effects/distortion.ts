// Vital's distortion effect: drive in dB (±30) into one of six shapers — soft clip, hard clip, linear fold,
// sine fold, bit crush, down-sample — with an optional basic SVF before or after, and a linear dry/wet
// (vital.md §8, facts from Vital, GPL-3.0). The shapers run on every other sample pair like Vital's, which
// processes stereo frames two at a time; only the down-sampler's timing depends on that.

import { pid, type VitalProgram } from "../program.ts";
import { clamp, tanhApprox, type BlockContext, type Effect, copyBlock } from "./common.ts";
import { BasicSvf, SVF_PASS } from "./svf.ts";

const P = {
  type: pid("distortion_type"),
  drive: pid("distortion_drive"),
  mix: pid("distortion_mix"),
  order: pid("distortion_filter_order"),
  cutoff: pid("distortion_filter_cutoff"),
  resonance: pid("distortion_filter_resonance"),
  blend: pid("distortion_filter_blend"),
};

const MIN_MULT = 32 / 2147483647;
const PERIOD_SCALE = 1 / 88200;

function crushStep(db: number): number {
  const d = Math.max(db + 30, 0) / 60;
  return clamp(d * d, MIN_MULT, 1);
}

/** The down-sampler's hold period in sample pairs at 88.2 kHz: longer as the drive rises (Vital's scale). */
function downSamplePeriod(db: number): number {
  const d = 1 - Math.max(db + 30, 0) / 60;
  return Math.max((1 / clamp(d * d, MIN_MULT, 1)) * 0.99, 1);
}

/**
 * sin(2π·r) for r ∈ [0, 1]: folded into [−¼, ¼] turns, then the odd Taylor series to the 13th power (error
 * below 1e-9, far under single-precision rounding; Math.sin costs several times more).
 */
export function sinTurns(r: number): number {
  const t = r < 0.25 ? r : r < 0.75 ? 0.5 - r : r - 1;
  const x = 2 * Math.PI * t;
  const x2 = x * x;
  return (
    x *
    (1 +
      x2 *
        (-1 / 6 +
          x2 * (1 / 120 + x2 * (-1 / 5040 + x2 * (1 / 362880 + x2 * (-1 / 39916800 + x2 / 6227020800))))))
  );
}

/**
 * The shapers (`distortion_type` 0–4: soft clip, hard clip, linear fold, sine fold, bit crush) over
 * x[0 … n) in place, with the drive already converted (gain, or step for the crusher). A loop each: called
 * per block, each loop's shaper inlined (one loop dispatching per sample goes polymorphic once several
 * types have run in a process).
 */
const SHAPERS: ((x: Float32Array, n: number, drive: number) => void)[] = [
  (x, n, drive) => {
    for (let i = 0; i < n; i++) x[i] = tanhApprox(x[i]! * drive);
  },
  (x, n, drive) => {
    for (let i = 0; i < n; i++) x[i] = clamp(x[i]! * drive, -1, 1);
  },
  (x, n, drive) => {
    for (let i = 0; i < n; i++) {
      const a = x[i]! * drive * 0.25 + 0.75;
      const r = a - Math.floor(a);
      x[i] = Math.abs(r * -4 + 2) - 1;
    }
  },
  (x, n, drive) => {
    for (let i = 0; i < n; i++) {
      const a = x[i]! * drive * -0.25 + 0.5;
      x[i] = sinTurns(a - Math.floor(a));
    }
  },
  (x, n, step) => {
    for (let i = 0; i < n; i++) x[i] = Math.round(x[i]! / step) * step;
  },
];

export class Distortion implements Effect {
  private readonly filters = [new BasicSvf(), new BasicSvf()];
  private readonly dryL: Float32Array;
  private readonly dryR: Float32Array;
  private mix = -1;
  private lastType = -1;
  private heldL = 0;
  private heldR = 0;
  private counter = 0;
  private pair = 0;

  /** `valuesR`: the right channel's parameter values (the filter cutoff may be modulated in stereo). */
  constructor(
    private readonly program: VitalProgram,
    maxBlock: number,
    private readonly valuesR: Float64Array = program.values,
  ) {
    this.dryL = new Float32Array(maxBlock);
    this.dryR = new Float32Array(maxBlock);
  }

  reset(): void {
    for (const f of this.filters) f.reset();
    this.mix = -1;
    this.heldL = this.heldR = 0;
    this.counter = 0;
    this.pair = 0;
  }

  process(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void {
    const v = this.program.values;
    const type = Math.round(v[P.type]!);
    const order = Math.round(v[P.order]!);
    const mix = clamp(v[P.mix]!, 0, 1);
    const m0 = this.mix < 0 ? mix : this.mix;
    this.mix = mix;
    // fully wet (the usual setting): the output is the distorted signal, no dry copy to mix back
    const wetOnly = m0 === 1 && mix === 1;
    if (!wetOnly) {
      copyBlock(this.dryL, L, n);
      copyBlock(this.dryR, R, n);
    }
    if (order >= 1) {
      for (const f of this.filters) f.setup(SVF_PASS, v[P.blend]!, v[P.resonance]!, 0);
    }
    if (order === 1) this.filter(L, R, n, ctx);
    this.shapeBlock(L, R, n, type, v[P.drive]!, ctx.sampleRate);
    if (order >= 2) this.filter(L, R, n, ctx);
    if (wetOnly) return;
    const dm = (mix - m0) / n;
    const dl = this.dryL;
    const dr = this.dryR;
    for (let i = 0; i < n; i++) {
      const m = m0 + dm * (i + 1);
      L[i] = dl[i]! + (L[i]! - dl[i]!) * m;
      R[i] = dr[i]! + (R[i]! - dr[i]!) * m;
    }
  }

  private filter(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void {
    const cutoffL = this.program.values[P.cutoff]!;
    this.filters[0]!.processPair(L, R, n, cutoffL, this.valuesR[P.cutoff]!, ctx.sampleRate, this.filters[1]!);
  }

  private shapeBlock(
    L: Float32Array,
    R: Float32Array,
    n: number,
    type: number,
    db: number,
    rate: number,
  ): void {
    if (type !== this.lastType) {
      this.lastType = type;
      this.heldL = this.heldR = 0;
      this.counter = 0;
    }
    if (type === 5) {
      // sample-and-hold of every other sample, period from the drive (counted in sample pairs)
      const period = downSamplePeriod(db) * PERIOD_SCALE * rate;
      for (let i = 0; i < n; i++) {
        if (this.pair === 0) {
          this.counter += 1;
          if (this.counter >= period) {
            this.heldL = L[i]!;
            this.heldR = R[i]!;
            this.counter -= period;
          }
        }
        this.pair ^= 1;
        L[i] = this.heldL;
        R[i] = this.heldR;
      }
      return;
    }
    if (type < 0 || type > 4) return;
    const drive = type === 4 ? crushStep(db) : Math.pow(10, clamp(db, -30, 30) / 20);
    SHAPERS[type]!(L, n, drive);
    SHAPERS[type]!(R, n, drive);
  }
}
