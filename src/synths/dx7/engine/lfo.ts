// The DX7 LFO, stepped once per 64-sample block (one per instrument, shared by its voices).
// Behaviour of msfa's lfo.cc (Google, Apache-2.0) as used in Dexed; see ../shared/reference/dx7.md §2.7.
import { LFO_DELAY_MAX, sinLookup, type RateConstants } from "./tables.ts";

const HALF = 0x80000000;

export class Lfo {
  /** u32 values are kept as non-negative doubles. */
  phase = 0;
  delta = 0;
  wave = 0;
  sync = false;
  random = 0;
  delayAcc = 0;
  delayInc1 = 0;
  delayInc2 = 0;

  /** Set up from a voice's VCED parameters (speed at 137 … wave at 142). Speed > 99 and delay > 115 are capped. */
  setup(p: Uint8Array, rc: RateConstants): void {
    const speed = Math.min(p[137]!, 99);
    const delay = Math.min(p[138]!, LFO_DELAY_MAX);
    this.delta = rc.lfoPhaseInc[speed]!;
    this.delayInc1 = rc.lfoDelayInc1[delay]!;
    this.delayInc2 = rc.lfoDelayInc2[delay]!;
    this.sync = p[141] !== 0;
    this.wave = p[142]!;
  }

  reset(): void {
    this.phase = 0;
    this.random = 0;
    this.delayAcc = 0;
  }

  keyDown(): void {
    if (this.sync) this.phase = 0x7fffffff;
    this.delayAcc = 0;
  }

  /** Advance the phase and return the LFO value 0..2^24. */
  value(): number {
    const ph = (this.phase + this.delta) >>> 0;
    this.phase = ph;
    switch (this.wave) {
      case 0: {
        let t = ph >>> 7;
        if (ph >= HALF) t = ~t;
        return t & 0xffffff;
      }
      case 1:
        return (~ph ^ HALF) >>> 8;
      case 2:
        return (ph ^ HALF) >>> 8;
      case 3:
        return ph < HALF ? 1 << 24 : 0;
      case 4:
        return (1 << 23) + (sinLookup(ph >>> 8) >> 1);
      case 5:
        if (ph < this.delta) this.random = (this.random * 179 + 17) & 255;
        return ((this.random ^ 128) + 1) << 16;
      default:
        return 1 << 23;
    }
  }

  /** The delay envelope 0..2^24, once per block after `value()`. */
  delay(): number {
    const d = this.delayAcc < HALF ? this.delayInc1 : this.delayInc2;
    const s = this.delayAcc + d;
    if (s > 0xffffffff) return 1 << 24;
    this.delayAcc = s;
    return s < HALF ? 0 : (s >>> 7) & 0xffffff;
  }
}
