// Vital's dirty filter model (model 1): a two-pole TPT section feeding a saturating resonance loop (tanh at the
// loop input, two quick-tanh one-poles in the loop); 24 dB styles put another two-pole section in front and the
// notch-spread style swaps its low/high roles. Structure and constants (resonance 0.1 … 2.15, saturation boost
// 1.4, drive boost 0.05, minimum drive 0.1) are facts from Vital (GPL-3.0, Matt Tytel), see
// ../shared/reference/vital.md §5.3. One instance filters one channel.
import { tanhApprox } from "./tanh.ts";
import { flush } from "./effects/common.ts";

const MIN_RESONANCE = 0.1;
const MAX_RESONANCE = 2.15;
const SATURATION_BOOST = 1.4;
const DRIVE_RESONANCE_BOOST = 0.05;
const MIN_DRIVE = 0.1;

/** x / (x²/(3 + 0.2·x²) + 1), over one common denominator. */
function quickTanh(x: number): number {
  const x2 = x * x;
  return (x * (3 + 0.2 * x2)) / (3 + 1.2 * x2);
}

export interface DirtySettings {
  style: number;
  resonance: number;
  driveGain: number;
  drivePct: number;
  lp: number;
  bp: number;
  hp: number;
  /** How far the drive moves towards its resonance-scaled value (0 … 1). */
  driveBlend: number;
  /** Extra factor on the scaled drive (notch spread). */
  driveMult: number;
}

export class DirtyFilter {
  // pre-stage and first-stage integrators (plain), loop integrators (saturating: state and saturated state)
  private p1 = 0;
  private p2 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private s3sat = 0;
  private s4 = 0;
  private s4sat = 0;

  reset(): void {
    this.p1 = this.p2 = this.s1 = this.s2 = this.s3 = this.s3sat = this.s4 = this.s4sat = 0;
  }

  /** Every state is zero (silent input then gives silent output). */
  atRest(): boolean {
    return (
      this.p1 === 0 &&
      this.p2 === 0 &&
      this.s1 === 0 &&
      this.s2 === 0 &&
      this.s3 === 0 &&
      this.s3sat === 0 &&
      this.s4 === 0 &&
      this.s4sat === 0
    );
  }

  copyStateFrom(o: DirtyFilter): void {
    this.p1 = o.p1;
    this.p2 = o.p2;
    this.s1 = o.s1;
    this.s2 = o.s2;
    this.s3 = o.s3;
    this.s3sat = o.s3sat;
    this.s4 = o.s4;
    this.s4sat = o.s4sat;
  }

  /** Filter `n` samples in place with the one-pole coefficient ramped from `g0` to `g1`. */
  process(buf: Float32Array, n: number, g0: number, g1: number, s: DirtySettings): void {
    const rootRes = Math.sqrt(Math.max(0, Math.min(1, s.resonance)));
    const driveBase = (s.driveGain - 1) * 2 + 1;
    const boost = s.drivePct * DRIVE_RESONANCE_BOOST;
    const dual = s.style === 3;
    const pre = s.style !== 0;
    const { lp, bp, hp, driveBlend } = s;
    const scaledMult = dual ? s.driveMult : 1;
    let p1 = this.p1;
    let p2 = this.p2;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    let s3sat = this.s3sat;
    let s4 = this.s4;
    let s4sat = this.s4sat;
    const dg = (g1 - g0) / n;
    for (let i = 0; i < n; i++) {
      const g = g0 + dg * (i + 1);
      const tuned = rootRes / Math.max(1, 0.5 * g + 0.97);
      const r = MIN_RESONANCE + (MAX_RESONANCE - MIN_RESONANCE) * Math.min(1, tuned) + boost;
      const r2 = r * r;
      const normalizer = SATURATION_BOOST / (r2 + 1);
      const feedMult = 1 / ((1 - r * (g - g * g)) * (g + 1));
      const scaled = (Math.max(MIN_DRIVE, driveBase) / (r2 * 0.5 + 1)) * scaledMult;
      const drive = driveBase + (scaled - driveBase) * driveBlend;

      let x = buf[i]!;
      if (pre) {
        // Vital's pre-stage feedback reads a state its plain one-poles never update, so it has none.
        const in1 = x / (g * g - g + 1);
        let d = g * (in1 - p1);
        const o1 = p1 + d;
        p1 = o1 + d;
        d = g * (o1 - p2);
        const o2 = p2 + d;
        p2 = o2 + d;
        const band = o1 - o2;
        const high = in1 - o1 - band;
        x = dual ? lp * high + hp * o2 : bp * band + hp * high + lp * o2;
      }
      const in1 = normalizer * x;
      let d = g * (in1 - s1);
      const o1 = s1 + d;
      s1 = o1 + d;
      d = g * (o1 - s2);
      const o2 = s2 + d;
      s2 = o2 + d;
      const band = o1 - o2;
      const high = in1 - o1 - band;
      const pass = dual ? lp * o2 + hp * high : lp * o2 + bp * band + hp * high;
      // The loop, each update written as (weight · newest value) + (terms known earlier) to keep the per-sample
      // chain through the three saturators short: feedback s4sat + pass + g·(pass − s3sat), then two one-poles.
      const fbMult = r * feedMult;
      const loop = tanhApprox(drive * pass + fbMult * (pass + g * pass - g * s3sat) + fbMult * s4sat);
      d = g * loop - g * s3sat;
      s3 += d;
      const o3 = quickTanh(s3);
      s3 += d;
      s3sat = quickTanh(s3);
      const g2 = 2 * g;
      s4 = g2 * loop - g2 * o3 + (s4 - g2 * s4sat);
      s4sat = quickTanh(s4);
      buf[i] = loop / SATURATION_BOOST;
    }
    this.p1 = flush(p1);
    this.p2 = flush(p2);
    this.s1 = flush(s1);
    this.s2 = flush(s2);
    this.s3 = flush(s3);
    this.s3sat = flush(s3sat);
    this.s4 = flush(s4);
    this.s4sat = flush(s4sat);
  }
}
