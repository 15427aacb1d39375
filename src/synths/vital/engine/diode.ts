// Vital's diode filter model (model 4): a TB-303-like four-stage diode ladder (tanh first stage, clipped last
// stage, neighbouring stages averaged) with a ~20 Hz one-pole high-pass inside the loop input and a two-pole
// high-pass in front: style 0 (Low Shelf) mixes in (blend/2)² of it at half the cutoff, style 1 (Low Cut)
// applies it fully with blend moving its frequency (2^(4·blend − 9) × cutoff). Structure and constants
// (resonance 0.7 … 17 on resonance³) are facts from Vital (GPL-3.0, Matt Tytel), see
// ../shared/reference/vital.md §5.3. One instance filters one channel.
import { tanhApprox } from "./tanh.ts";
import { flush } from "./effects/common.ts";

const MIN_RESONANCE = 0.7;
const MAX_RESONANCE = 17;
const LOOP_HIGH_PASS_HZ = 20;

export interface DiodeSettings {
  style: number;
  resonance: number;
  driveGain: number;
  blend: number;
}

export class DiodeFilter {
  private hp1 = 0;
  private hp2 = 0;
  private loopHp = 0;
  private s1 = 0;
  private s1sat = 0;
  private s2 = 0;
  private s3 = 0;
  private s4 = 0;
  private s4sat = 0;
  private readonly loopHpCoef: number;

  constructor(sampleRate: number) {
    const s = (Math.PI * LOOP_HIGH_PASS_HZ) / sampleRate;
    this.loopHpCoef = Math.tan(s / (s + 1));
  }

  reset(): void {
    this.hp1 = this.hp2 = this.loopHp = 0;
    this.s1 = this.s1sat = this.s2 = this.s3 = this.s4 = this.s4sat = 0;
  }

  /** Every state is zero (silent input then gives silent output). */
  atRest(): boolean {
    return (
      this.hp1 === 0 &&
      this.hp2 === 0 &&
      this.loopHp === 0 &&
      this.s1 === 0 &&
      this.s1sat === 0 &&
      this.s2 === 0 &&
      this.s3 === 0 &&
      this.s4 === 0 &&
      this.s4sat === 0
    );
  }

  copyStateFrom(o: DiodeFilter): void {
    this.hp1 = o.hp1;
    this.hp2 = o.hp2;
    this.loopHp = o.loopHp;
    this.s1 = o.s1;
    this.s1sat = o.s1sat;
    this.s2 = o.s2;
    this.s3 = o.s3;
    this.s4 = o.s4;
    this.s4sat = o.s4sat;
  }

  /** Filter `n` samples in place with the one-pole coefficient ramped from `g0` to `g1`. */
  process(buf: Float32Array, n: number, g0: number, g1: number, s: DiodeSettings): void {
    const r = Math.max(0, Math.min(1, s.resonance));
    const res = MIN_RESONANCE + (MAX_RESONANCE - MIN_RESONANCE) * r * r * r;
    const drive = (res * 0.5 + 1) * s.driveGain;
    const post = 1 / Math.sqrt(s.driveGain);
    const half = s.blend * 0.5;
    const lowShelf = s.style === 0;
    const hpRatio = lowShelf ? 0.5 : Math.pow(2, half * 8 - 9);
    const hpAmount = lowShelf ? half * half : 1;
    const fbCoef = this.loopHpCoef;
    const hpPass = 1 - fbCoef;
    const halfDrive = 0.5 * drive;
    const halfRes = 0.5 * res;
    let hp1 = this.hp1;
    let hp2 = this.hp2;
    let loopHp = this.loopHp;
    let s1 = this.s1;
    let s1sat = this.s1sat;
    let s2 = this.s2;
    let s3 = this.s3;
    let s4 = this.s4;
    let s4sat = this.s4sat;
    const dg = (g1 - g0) / n;
    for (let i = 0; i < n; i++) {
      const g = g0 + dg * (i + 1);
      const x = buf[i]!;
      // two-pole high-pass in front
      const h = g * hpRatio;
      const hpFeedback = (2 * h - h * h - 1) * hp1 + (1 - h) * hp2;
      const hpIn = (x - hpFeedback) / (h * h - h + 1);
      let d = h * (hpIn - hp1);
      const o1 = hp1 + d;
      hp1 = o1 + d;
      d = h * (o1 - hp2);
      const o2 = hp2 + d;
      hp2 = o2 + d;
      const hpOut = x + (hpIn - 2 * o1 + o2 - x) * hpAmount;
      // The diode ladder. Each update is written as (weight · newest value) + (terms known earlier), so the
      // per-sample chain through the two tanh stages and the feedback stays short; same equations as Vital's.
      const satIn = tanhApprox(halfDrive * hpOut - halfRes * s4sat);
      const loopHpIn = satIn + s2;
      // input of stage 1: (1 − c)·(in − loopHp) − s1sat, the loop high-pass's output less the stage's feedback
      const k = g * hpPass;
      d = k * satIn + (k * s2 - k * loopHp - g * s1sat);
      loopHp = loopHp + 2 * fbCoef * (loopHpIn - loopHp);
      s1 += d;
      const c1 = tanhApprox(s1);
      s1 += d;
      s1sat = tanhApprox(s1);
      const halfG = 0.5 * g;
      const c2 = halfG * c1 + (s2 + halfG * s3 - g * s2);
      s2 = 2 * c2 - s2;
      const c3 = halfG * c2 + (s3 + halfG * s4sat - g * s3);
      s3 = 2 * c3 - s3;
      d = g * c3 - g * s4sat;
      s4 += d;
      const c4 = s4 > 1 ? 1 : s4 < -1 ? -1 : s4;
      s4 += d;
      s4sat = s4 > 1 ? 1 : s4 < -1 ? -1 : s4;
      buf[i] = c4 * post;
    }
    this.hp1 = flush(hp1);
    this.hp2 = flush(hp2);
    this.loopHp = flush(loopHp);
    this.s1 = flush(s1);
    this.s1sat = flush(s1sat);
    this.s2 = flush(s2);
    this.s3 = flush(s3);
    this.s4 = flush(s4);
    this.s4sat = flush(s4sat);
  }
}
