// DAHDSR envelope with Vital's power curves (../shared/reference/vital.md §4; facts from Vital, GPL-3.0,
// Matt Tytel). Stage positions advance linearly; the curve is P(p, k) = (e^{kp} − 1)/(e^k − 1).

import { powerCurve } from "./curves.ts";

const DELAY = 0;
const ATTACK = 1;
const HOLD = 2;
const DECAY = 3;
const SUSTAIN = 4;
const RELEASE = 5;
const DONE = 6;

export interface EnvelopeTimes {
  /** Stage lengths in samples. */
  delay: number;
  attack: number;
  hold: number;
  decay: number;
  release: number;
  sustain: number;
  attackPower: number;
  decayPower: number;
  releasePower: number;
}

export class Envelope {
  stage = DONE;
  private pos = 0;
  private start = 0;
  private releaseFrom = 0;
  value = 0;

  get active(): boolean {
    return this.stage !== DONE;
  }

  get released(): boolean {
    return this.stage >= RELEASE;
  }

  trigger(t: EnvelopeTimes): void {
    this.start = this.value;
    this.pos = 0;
    this.stage = t.delay > 0 ? DELAY : ATTACK;
  }

  release(): void {
    if (this.stage >= RELEASE) return;
    this.releaseFrom = this.value;
    this.pos = 0;
    this.stage = RELEASE;
  }

  kill(): void {
    this.stage = DONE;
    this.value = 0;
  }

  private shape(t: EnvelopeTimes): number {
    switch (this.stage) {
      case DELAY:
        return this.start;
      case ATTACK:
        return this.start + (1 - this.start) * powerCurve(this.pos, -t.attackPower);
      case HOLD:
        return 1;
      case DECAY:
        return 1 - (1 - t.sustain) * powerCurve(this.pos, t.decayPower);
      case SUSTAIN:
        return t.sustain;
      case RELEASE:
        return this.releaseFrom * (1 - powerCurve(this.pos, t.releasePower));
      default:
        return 0;
    }
  }

  private stageLength(t: EnvelopeTimes): number {
    switch (this.stage) {
      case DELAY:
        return t.delay;
      case ATTACK:
        return t.attack;
      case HOLD:
        return t.hold;
      case DECAY:
        return t.decay;
      case RELEASE:
        return t.release;
      default:
        return Infinity;
    }
  }

  /** Move to the next stage while the current one is finished (zero-length stages are skipped). */
  private settle(t: EnvelopeTimes): void {
    for (;;) {
      if (this.stage === SUSTAIN || this.stage === DONE) return;
      const len = this.stageLength(t);
      if (len > 0 && this.pos < 1) return;
      if (this.stage === RELEASE) {
        this.stage = DONE;
        this.value = 0;
        return;
      }
      this.pos = 0;
      if (this.stage === DECAY) this.stage = SUSTAIN;
      else if (this.stage === DELAY) this.stage = ATTACK;
      else if (this.stage === ATTACK) {
        this.stage = t.hold > 0 ? HOLD : DECAY;
      } else if (this.stage === HOLD) this.stage = DECAY;
    }
  }

  /** Advance by `n` samples and return the value at the end (control-rate use). */
  advance(n: number, t: EnvelopeTimes): number {
    let left = n;
    while (left > 0 && this.stage !== DONE && this.stage !== SUSTAIN) {
      this.settle(t);
      if (this.stage === DONE || this.stage === SUSTAIN) break;
      const len = this.stageLength(t);
      const remaining = (1 - this.pos) * len;
      if (remaining > left) {
        this.pos += left / len;
        left = 0;
      } else {
        left -= remaining;
        this.pos = 1;
        this.value = this.shape(t);
        this.settle(t);
      }
    }
    this.settle(t);
    this.value = this.shape(t);
    return this.value;
  }

  /** Write `n` per-sample values (audio-rate use, env_1). */
  render(out: Float32Array, n: number, t: EnvelopeTimes): void {
    let i = 0;
    while (i < n) {
      this.settle(t);
      if (this.stage === SUSTAIN) {
        this.value = t.sustain;
        out.fill(this.value, i, n);
        return;
      }
      if (this.stage === DONE) {
        this.value = 0;
        out.fill(0, i, n);
        return;
      }
      const len = this.stageLength(t);
      const dp = 1 / len;
      // samples until this stage ends (the sample reaching p = 1 is rendered in this stage)
      const left = Math.max(1, Math.ceil((1 - this.pos) * len - 1e-9));
      const count = Math.min(n - i, left);
      if (this.stage === DELAY || this.stage === HOLD) {
        out.fill(this.stage === HOLD ? 1 : this.start, i, i + count);
        this.pos = Math.min(1, this.pos + count * dp);
        this.value = this.shape(t);
        i += count;
        continue;
      }
      // value = base + span·P(p, k); P evaluated with an exponential recurrence
      let base: number;
      let span: number;
      let k: number;
      if (this.stage === ATTACK) {
        base = this.start;
        span = 1 - this.start;
        k = -t.attackPower;
      } else if (this.stage === DECAY) {
        base = 1;
        span = -(1 - t.sustain);
        k = t.decayPower;
      } else {
        base = this.releaseFrom;
        span = -this.releaseFrom;
        k = t.releasePower;
      }
      let p = this.pos;
      if (Math.abs(k) < 0.005) {
        for (let j = 0; j < count; j++) {
          p += dp;
          if (p > 1) p = 1;
          out[i + j] = base + span * p;
        }
      } else {
        const denom = 1 / (Math.exp(k) - 1);
        const step = Math.exp(k * dp);
        let e = Math.exp(k * p);
        for (let j = 0; j < count; j++) {
          e *= step;
          p += dp;
          if (p >= 1) {
            p = 1;
            e = Math.exp(k);
          }
          out[i + j] = base + span * (e - 1) * denom;
        }
      }
      this.pos = p;
      this.value = out[i + count - 1]!;
      i += count;
      if (this.pos >= 1 - 1e-12) this.pos = 1;
    }
    this.settle(t);
  }
}
