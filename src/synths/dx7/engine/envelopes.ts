// Operator envelope and pitch envelope of the DX7 engine, stepped once per 64-sample block.
// Behaviour of msfa's env.cc ("accurate envelope") and pitchenv.cc (Google, Apache-2.0) as used in Dexed;
// see ../shared/reference/dx7.md §2.4 and §2.6.
import { OUTPUT_LEVEL_BELOW_20, PITCH_EG_LEVEL, PITCH_EG_RATE } from "./tables-data.ts";
import type { RateConstants } from "./tables.ts";

/** The DX7's output-level curve: 0.75 dB units, SOL(99) = 127. */
export function scaleOutputLevel(x: number): number {
  return x >= 20 ? x + 28 : OUTPUT_LEVEL_BELOW_20[x]!;
}

const JUMP_LEVEL = 1716 << 16;
const TOP = 17 << 24;

export class OperatorEnvelope {
  level = 0;
  stage = 0;
  target = 0;
  rising = false;
  inc = 0;
  hold = 0;
  down = true;
  outLevel = 0;
  rateScaling = 0;
  private multiplier = 1 << 24;
  private hold44k1: readonly number[] = [];
  readonly rates = new Int32Array(4);
  readonly levels = new Int32Array(4);

  /** Note-on: `outLevel` is o (1/256 doubling units), `rateScaling` is RSd. */
  start(p: Uint8Array, base: number, outLevel: number, rateScaling: number, rc: RateConstants): void {
    for (let i = 0; i < 4; i++) {
      this.rates[i] = p[base + i]!;
      this.levels[i] = p[base + 4 + i]!;
    }
    this.outLevel = outLevel;
    this.rateScaling = rateScaling;
    this.multiplier = rc.egMultiplier;
    this.hold44k1 = rc.holdSamples44k1;
    this.level = 0;
    this.down = true;
    this.hold = 0;
    this.enter(0);
  }

  enter(i: number): void {
    this.stage = i;
    if (i >= 4) return;
    const lvl = this.levels[i]!;
    const t = ((scaleOutputLevel(lvl) >> 1) << 6) + this.outLevel - 4256;
    this.target = (t < 16 ? 16 : t) << 16;
    this.rising = this.target > this.level;
    let q = ((this.rates[i]! * 41) >> 6) + this.rateScaling;
    if (q > 63) q = 63;
    this.inc = Math.floor(((4 + (q & 3)) * 2 ** (8 + (q >> 2)) * this.multiplier) / 16777216);
    if (this.target === this.level || (i === 0 && lvl === 0)) {
      let r = this.rates[i]! + this.rateScaling;
      if (r > 99) r = 99;
      let h = r < 77 ? this.hold44k1[r]! : 20 * (99 - r);
      if (r < 77 && i === 0 && lvl === 0) h = Math.floor(h / 20);
      this.hold = Math.floor((h * this.multiplier) / 16777216);
    } else {
      this.hold = 0;
    }
  }

  /** One block: the level (Q24 log2) to use. */
  step(): number {
    if (this.hold !== 0) {
      this.hold -= 64;
      if (this.hold <= 0) {
        this.hold = 0;
        this.enter(this.stage + 1);
      }
    }
    const i = this.stage;
    if ((i < 3 || (i === 3 && !this.down)) && this.hold === 0) {
      if (this.rising) {
        let l = this.level;
        if (l < JUMP_LEVEL) l = JUMP_LEVEL;
        l = (l + Math.imul((TOP - l) >> 24, this.inc)) | 0;
        if (l >= this.target) {
          this.level = this.target;
          this.enter(i + 1);
        } else this.level = l;
      } else {
        const l = (this.level - this.inc) | 0;
        if (l <= this.target) {
          this.level = this.target;
          this.enter(i + 1);
        } else this.level = l;
      }
    }
    return this.level;
  }

  keyOff(): void {
    if (!this.down) return;
    this.down = false;
    this.enter(3);
  }
}

export class PitchEnvelope {
  level = 0;
  stage = 0;
  target = 0;
  rising = false;
  inc = 0;
  down = true;
  private unit = 0;
  readonly rates = new Int32Array(4);
  readonly levels = new Int32Array(4);

  start(p: Uint8Array, base: number, rc: RateConstants): void {
    for (let i = 0; i < 4; i++) {
      this.rates[i] = p[base + i]!;
      this.levels[i] = p[base + 4 + i]!;
    }
    this.unit = rc.pitchEgUnit;
    this.level = PITCH_EG_LEVEL[this.levels[3]!]! * 524288;
    this.down = true;
    this.enter(0);
  }

  private enter(i: number): void {
    this.stage = i;
    if (i >= 4) return;
    this.target = PITCH_EG_LEVEL[this.levels[i]!]! * 524288;
    this.rising = this.target > this.level;
    this.inc = PITCH_EG_RATE[this.rates[i]!]! * this.unit;
  }

  step(): number {
    const i = this.stage;
    if (i < 3 || (i === 3 && !this.down)) {
      if (this.rising) {
        this.level += this.inc;
        if (this.level >= this.target) {
          this.level = this.target;
          this.enter(i + 1);
        }
      } else {
        this.level -= this.inc;
        if (this.level <= this.target) {
          this.level = this.target;
          this.enter(i + 1);
        }
      }
    }
    return this.level;
  }

  keyOff(): void {
    if (!this.down) return;
    this.down = false;
    this.enter(3);
  }
}
