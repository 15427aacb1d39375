// Vital's ladder filter model (model 2): four saturating one-pole TPT stages in a loop, tanh at the loop input,
// and the output a weighted sum of the input and the four stage taps. Structure and constants (tuning ×1.66,
// resonance 0.001 … 4.1 plus a drive boost, 20 kHz cutoff limit, tap weights per style) are facts from Vital
// (GPL-3.0, Matt Tytel), see ../shared/reference/vital.md §5.3. One instance filters one channel.
import { tanhApprox } from "./tanh.ts";
import { flush } from "./effects/common.ts";
import { KERNEL_BLOCK, LADDER_SLOT, type PairKernel } from "./filter-pair-kernels.ts";

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
  // per stage: integrator state and its saturated value (scalar fields: a stereo pair's two channels are
  // stepped in one loop, so the CPU overlaps their independent chains of divisions)
  private z0 = 0;
  private z1 = 0;
  private z2 = 0;
  private z3 = 0;
  private zs0 = 0;
  private zs1 = 0;
  private zs2 = 0;
  private zs3 = 0;
  private readonly scales = new Float64Array(5);
  private w0 = 0;
  private w1 = 0;
  private w2 = 0;
  private w3 = 0;
  private w4 = 0;
  private resonance = 0;
  private drive = 1;
  private post = 1;

  reset(): void {
    this.z0 = this.z1 = this.z2 = this.z3 = 0;
    this.zs0 = this.zs1 = this.zs2 = this.zs3 = 0;
  }

  /** Every state is zero (silent input then gives silent output). */
  atRest(): boolean {
    return (
      this.z0 === 0 &&
      this.z1 === 0 &&
      this.z2 === 0 &&
      this.z3 === 0 &&
      this.zs0 === 0 &&
      this.zs1 === 0 &&
      this.zs2 === 0 &&
      this.zs3 === 0
    );
  }

  copyStateFrom(o: LadderFilter): void {
    this.z0 = o.z0;
    this.z1 = o.z1;
    this.z2 = o.z2;
    this.z3 = o.z3;
    this.zs0 = o.zs0;
    this.zs1 = o.zs1;
    this.zs2 = o.zs2;
    this.zs3 = o.zs3;
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
    this.w0 = sc[0]!;
    this.w1 = sc[1]!;
    this.w2 = sc[2]!;
    this.w3 = sc[3]!;
    this.w4 = sc[4]!;
  }

  /** Filter `n` samples in place with the one-pole coefficient ramped from `g0` to `g1`. */
  process(buf: Float32Array, n: number, g0: number, g1: number): void {
    const dg = (g1 - g0) / n;
    for (let i = 0; i < n; i++) buf[i] = this.tick(buf[i]!, g0 + dg * (i + 1));
    this.flushStates();
  }

  /**
   * `process` on a stereo pair: `this` filters `bufL` (g0 → g1), `r` filters `bufR` (h0 → h1), in `kernel` (the
   * ladder pair kernel) when there is one.
   */
  processPair(
    bufL: Float32Array,
    bufR: Float32Array,
    n: number,
    g0: number,
    g1: number,
    r: LadderFilter,
    h0: number,
    h1: number,
    kernel: PairKernel | null,
  ): void {
    const dg = (g1 - g0) / n;
    const dh = (h1 - h0) / n;
    if (kernel && n <= KERNEL_BLOCK) {
      this.runKernel(kernel, bufL, bufR, n, g0, dg, r, h0, dh);
      return;
    }
    for (let i = 0; i < n; i++) {
      bufL[i] = this.tick(bufL[i]!, g0 + dg * (i + 1));
      bufR[i] = r.tick(bufR[i]!, h0 + dh * (i + 1));
    }
    this.flushStates();
    r.flushStates();
  }

  private runKernel(
    k: PairKernel,
    bufL: Float32Array,
    bufR: Float32Array,
    n: number,
    g0: number,
    dg: number,
    r: LadderFilter,
    h0: number,
    dh: number,
  ): void {
    const S = LADDER_SLOT;
    k.set(S.g0, g0, h0);
    k.set(S.dg, dg, dh);
    k.set(S.resonance, this.resonance, r.resonance);
    k.set(S.drive, this.drive, r.drive);
    k.set(S.post, this.post, r.post);
    k.set(S.w0, this.w0, r.w0);
    k.set(S.w1, this.w1, r.w1);
    k.set(S.w2, this.w2, r.w2);
    k.set(S.w3, this.w3, r.w3);
    k.set(S.w4, this.w4, r.w4);
    k.set(S.z0, this.z0, r.z0);
    k.set(S.z1, this.z1, r.z1);
    k.set(S.z2, this.z2, r.z2);
    k.set(S.z3, this.z3, r.z3);
    k.set(S.zs0, this.zs0, r.zs0);
    k.set(S.zs1, this.zs1, r.zs1);
    k.set(S.zs2, this.zs2, r.zs2);
    k.set(S.zs3, this.zs3, r.zs3);
    k.run(bufL, bufR, n);
    this.takeStates(k.ctl, 0);
    r.takeStates(k.ctl, 1);
  }

  /** The stage states the kernel left in lane `ch` of its control block (then flushed). */
  private takeStates(c: Float64Array, ch: number): void {
    const S = LADDER_SLOT;
    this.z0 = c[2 * S.z0 + ch]!;
    this.z1 = c[2 * S.z1 + ch]!;
    this.z2 = c[2 * S.z2 + ch]!;
    this.z3 = c[2 * S.z3 + ch]!;
    this.zs0 = c[2 * S.zs0 + ch]!;
    this.zs1 = c[2 * S.zs1 + ch]!;
    this.zs2 = c[2 * S.zs2 + ch]!;
    this.zs3 = c[2 * S.zs3 + ch]!;
    this.flushStates();
  }

  /** One sample through the ladder with one-pole coefficient `g`. */
  private tick(input: number, g: number): number {
    const k1 = g * RESONANCE_TUNING;
    const k2 = k1 * k1;
    const k3 = k1 * k2;
    const fb = this.zs3 + k1 * this.zs2 + k2 * this.zs1 + k3 * this.zs0;
    const t0 = tanhApprox(input * this.drive - this.resonance * fb);
    // each stage: the stage input arrives last, so it is added last: z + g·(x − zs) as g·x + (z − g·zs)
    let gz = g * this.zs0;
    let st = g * t0 + (this.z0 - gz);
    const t1 = saturate(st);
    this.z0 = st + (g * t0 - gz);
    this.zs0 = saturate(this.z0);
    gz = g * this.zs1;
    st = g * t1 + (this.z1 - gz);
    const t2 = saturate(st);
    this.z1 = st + (g * t1 - gz);
    this.zs1 = saturate(this.z1);
    gz = g * this.zs2;
    st = g * t2 + (this.z2 - gz);
    const t3 = saturate(st);
    this.z2 = st + (g * t2 - gz);
    this.zs2 = saturate(this.z2);
    gz = g * this.zs3;
    st = g * t3 + (this.z3 - gz);
    const t4 = saturate(st);
    this.z3 = st + (g * t3 - gz);
    this.zs3 = saturate(this.z3);
    return (this.w0 * t0 + this.w1 * t1 + this.w2 * t2 + this.w3 * t3 + this.w4 * t4) * this.post;
  }

  private flushStates(): void {
    this.z0 = flush(this.z0);
    this.z1 = flush(this.z1);
    this.z2 = flush(this.z2);
    this.z3 = flush(this.z3);
    this.zs0 = flush(this.zs0);
    this.zs1 = flush(this.zs1);
    this.zs2 = flush(this.zs2);
    this.zs3 = flush(this.zs3);
  }
}
