// Vital's ladder filter model (model 2): four saturating one-pole TPT stages in a loop, tanh at the loop input,
// and the output a weighted sum of the input and the four stage taps. Structure and constants (tuning ×1.66,
// resonance 0.001 … 4.1 plus a drive boost, 20 kHz cutoff limit, tap weights per style) are facts from Vital
// (GPL-3.0, Matt Tytel), see ../shared/reference/vital.md §5.3. One instance filters one channel.
import { tanhApprox } from "./tanh.ts";
import { flush } from "./effects/common.ts";

const RESONANCE_TUNING = 1.66;
const MIN_RESONANCE = 0.001;
const MAX_RESONANCE = 4.1;
const DRIVE_RESONANCE_BOOST = 5;
export const LADDER_MAX_CUTOFF_HZ = 20000;

// tap weights: [input, stage 1, stage 2, stage 3, stage 4]
const LP24 = [0, 0, 0, 0, 1] as const;
const BP24 = [0, 0, -1, 2, -1] as const;
const HP24 = [1, -4, 6, -4, 1] as const;
const LP12 = [0, 0, 1, 0, 0] as const;
const BP12 = [0, 1, -1, 0, 0] as const;
const HP12 = [1, -2, 1, 0, 0] as const;

function saturate(x: number): number {
  const x2 = x * x;
  return x - (0.9 * x * x2) / (x2 + 3);
}

export interface LadderSettings {
  style: number;
  resonance: number;
  driveGain: number;
  drivePct: number;
  blend: number;
}

export class LadderFilter {
  // per stage: integrator state and its saturated value
  private readonly z = new Float64Array(4);
  private readonly zs = new Float64Array(4);
  private readonly taps = new Float64Array(5);
  private readonly scales = new Float64Array(5);
  private resonance = 0;
  private drive = 1;
  private post = 1;

  reset(): void {
    this.z.fill(0);
    this.zs.fill(0);
  }

  /** Every state is zero (silent input then gives silent output). */
  atRest(): boolean {
    return this.z.every((v) => v === 0) && this.zs.every((v) => v === 0);
  }

  copyStateFrom(o: LadderFilter): void {
    this.z.set(o.z);
    this.zs.set(o.zs);
  }

  /** Set up resonance, drive and tap weights for a block. */
  configure(s: LadderSettings): void {
    const r = Math.max(0, Math.min(1, s.resonance));
    const curved = s.style !== 0 ? Math.sin(r * 0.5 * Math.PI) : r;
    this.resonance =
      MIN_RESONANCE + (MAX_RESONANCE - MIN_RESONANCE) * curved + s.drivePct * r * DRIVE_RESONANCE_BOOST;
    const b = Math.max(-1, Math.min(1, s.blend - 1));
    let bp = Math.sqrt(Math.max(0, 1 - b * b));
    const lp = b < 0 ? -b : 0;
    const hp = b < 0 ? 0 : b;
    const driveMult = s.style !== 0 ? Math.sin(r) + 1 : r + 1;
    this.drive = s.driveGain * (driveMult + (1 - driveMult) * hp);
    const sc = this.scales;
    this.post = 1 / Math.sqrt((s.driveGain - 1) * 0.5 + 1);
    const lowFade = Math.min(b + 1, 1);
    const highFade = Math.min(1 - b, 1);
    if (s.style === 2) {
      // notch blend: low-pass → notch → high-pass
      const ll = lowFade * lowFade;
      const lh = lowFade * highFade;
      sc[0] = ll;
      sc[1] = -4 * ll;
      sc[2] = 6 * ll + 2 * lh;
      sc[3] = -4 * ll - 4 * lh;
      sc[4] = ll + highFade * highFade + 2 * lh;
    } else if (s.style === 3) {
      // notch spread: Vital's ladder builds both notches from the same four stages (blend transpose unused)
      this.drive = s.driveGain;
      sc[0] = lowFade;
      sc[1] = -4 * lowFade;
      sc[2] = 4 * highFade + 8 * lowFade;
      sc[3] = -8 * highFade - 8 * lowFade;
      sc[4] = 4 * highFade + 4 * lowFade;
    } else if (s.style === 4) {
      // band-pass → peak → notch
      const driveT = Math.min(1 - b, 1);
      this.drive = s.driveGain + (this.drive - s.driveGain) * driveT;
      const inv = 1 - driveT;
      const mult = Math.sqrt(inv * inv * 0.5 + 0.5);
      const peakBand = -Math.max(-b, 0);
      const lowHigh = mult * (peakBand + 1);
      const band = mult * (peakBand - b + 1) * 2;
      for (let i = 0; i < 5; i++) sc[i] = lowHigh * (LP12[i]! + HP12[i]!) + band * BP12[i]!;
    } else if (s.style === 1) {
      bp = 1 - Math.abs(b);
      this.post = 1 / Math.sqrt((s.driveGain - 1) * 0.25 + 1);
      for (let i = 0; i < 5; i++) sc[i] = lp * LP24[i]! + bp * BP24[i]! + hp * HP24[i]!;
    } else {
      for (let i = 0; i < 5; i++) sc[i] = lp * LP12[i]! + bp * BP12[i]! + hp * HP12[i]!;
    }
  }

  /** Filter `n` samples in place with the one-pole coefficient ramped from `g0` to `g1`. */
  process(buf: Float32Array, n: number, g0: number, g1: number): void {
    const z = this.z;
    const zs = this.zs;
    const t = this.taps;
    const sc = this.scales;
    const res = this.resonance;
    const drive = this.drive;
    const post = this.post;
    const dg = (g1 - g0) / n;
    for (let i = 0; i < n; i++) {
      const g = g0 + dg * (i + 1);
      const k1 = g * RESONANCE_TUNING;
      const k2 = k1 * k1;
      const k3 = k1 * k2;
      const fb = zs[3]! + k1 * zs[2]! + k2 * zs[1]! + k3 * zs[0]!;
      let x = tanhApprox(buf[i]! * drive - res * fb);
      t[0] = x;
      for (let s = 0; s < 4; s++) {
        // the stage input arrives last, so it is added last: z + g·(x − zs) as g·x + (z − g·zs)
        const gz = g * zs[s]!;
        const d = g * x - gz;
        let st = g * x + (z[s]! - gz);
        x = saturate(st);
        st += d;
        z[s] = st;
        zs[s] = saturate(st);
        t[s + 1] = x;
      }
      buf[i] = (sc[0]! * t[0]! + sc[1]! * t[1]! + sc[2]! * t[2]! + sc[3]! * t[3]! + sc[4]! * t[4]!) * post;
    }
    for (let s = 0; s < 4; s++) {
      z[s] = flush(z[s]!);
      zs[s] = flush(zs[s]!);
    }
  }
}
