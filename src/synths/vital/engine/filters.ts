// Vital's analog (Sallen-Key style, zero-delay feedback) and digital (trapezoidal SVF) filter models with the
// 12 dB, 24 dB, notch-blend, notch-spread and band/peak/notch styles. Structure and constants as described in
// ../shared/reference/vital.md §5.1–5.2 (facts from Vital, GPL-3.0, Matt Tytel). One instance filters one
// channel; coefficients are set once per block and ramped linearly across it.

import { hardTanh, tanhApprox } from "./tanh.ts";
import { flush } from "./effects/common.ts";
import { LadderFilter, LADDER_MAX_CUTOFF_HZ, type LadderSettings } from "./ladder.ts";
import { DirtyFilter, type DirtySettings } from "./dirty.ts";
import { DiodeFilter, type DiodeSettings } from "./diode.ts";
import { PhaserFilter, type PhaserFilterSettings } from "./phaser-filter.ts";
import { CombFilter, type CombSettings } from "./comb.ts";
import { FormantFilter, type FormantSettings } from "./formant.ts";
import {
  ANALOG_12DB,
  ANALOG_DUAL,
  ANALOG_SLOT,
  ANALOG_TWO_STAGE,
  analogPairKernelBytes,
  KERNEL_BLOCK,
  ladderPairKernelBytes,
  PairKernel,
} from "./filter-pair-kernels.ts";
import { DOUBLE_ZERO } from "./double-field.ts";
import { lazyModule } from "./effects/wasm.ts";

/** The analog kernels' modules, by ANALOG_12DB, ANALOG_TWO_STAGE, ANALOG_DUAL. */
const analogPairModules = [ANALOG_12DB, ANALOG_TWO_STAGE, ANALOG_DUAL].map((variant) =>
  lazyModule(() => analogPairKernelBytes(variant)),
);
const ladderPairModule = lazyModule(ladderPairKernelBytes);

/** A kernel instance of `mod` (null where WebAssembly SIMD is missing). */
function pairKernel(mod: () => WebAssembly.Module | null): PairKernel | null {
  const compiled = mod();
  return compiled ? new PairKernel(compiled) : null;
}

export { tanhApprox };

export const MODEL_ANALOG = 0;
export const MODEL_DIRTY = 1;
export const MODEL_LADDER = 2;
export const MODEL_DIGITAL = 3;
export const MODEL_DIODE = 4;
export const MODEL_FORMANT = 5;
export const MODEL_COMB = 6;
export const MODEL_PHASER = 7;

export const STYLE_12DB = 0;
export const STYLE_24DB = 1;
export const STYLE_NOTCH_BLEND = 2;
export const STYLE_NOTCH_SPREAD = 3;
export const STYLE_BPN = 4;

export function midiToHz(note: number): number {
  return 8.1757989156 * Math.pow(2, note / 12);
}

/** Low/band/high amounts of a style and how much of the resonance drive compensation applies (0 … 1). */
export interface MixWeights {
  lp: number;
  bp: number;
  hp: number;
  /** Interpolation from the uncompensated drive (0) to the resonance-compensated drive (1). */
  compensation: number;
  /** Extra factor on the compensated drive (notch spread). */
  compensationMult: number;
}

export function styleWeights(style: number, blend: number, out: MixWeights): void {
  const b = Math.max(-1, Math.min(1, blend - 1));
  out.compensation = 1;
  out.compensationMult = 1;
  if (style === STYLE_NOTCH_BLEND) {
    // low-pass → notch (low + high) → high-pass
    out.lp = Math.min(1 - b, 1);
    out.hp = Math.min(1 + b, 1);
    out.bp = 0;
    out.compensation = Math.abs(b);
  } else if (style === STYLE_BPN) {
    // band-pass → peak → notch
    const driveT = Math.min(1 - b, 1);
    const inv = 1 - driveT;
    const mult = Math.sqrt(inv * inv * 0.5 + 0.5);
    const peakBand = -Math.max(-b, 0);
    out.lp = mult * (peakBand + 1);
    out.bp = mult * (peakBand - b + 1) * 2;
    out.hp = out.lp;
    out.compensation = driveT;
  } else if (style === STYLE_NOTCH_SPREAD) {
    const t = b * 0.5 + 0.5;
    out.lp = t;
    out.bp = 0;
    out.hp = 1;
    out.compensation = Math.min(1 - b, 1);
    out.compensationMult = 2 - t;
  } else {
    out.lp = Math.max(-b, 0);
    out.hp = Math.max(b, 0);
    out.bp = Math.sqrt(Math.max(0, 1 - b * b));
  }
}

export interface FilterSettings {
  model: number;
  style: number;
  /** Cutoff as a MIDI note (after keytrack and modulation). */
  cutoffNote: number;
  resonance: number;
  driveDb: number;
  blend: number;
  blendTranspose: number;
  formantX: number;
  formantY: number;
  formantSpread: number;
  formantTranspose: number;
  formantResonance: number;
}

/** Settings of a filter that has not been configured yet (analog low-pass, no drive, centred formant). */
export function defaultFilterSettings(): FilterSettings {
  return {
    model: 0,
    style: 0,
    cutoffNote: 60,
    resonance: 0,
    driveDb: 0,
    blend: 0,
    blendTranspose: 0,
    formantX: 0.5,
    formantY: 0.5,
    formantSpread: 0,
    formantTranspose: 0,
    formantResonance: 0.85,
  };
}

/** One channel of filter 1 or 2. */
export class VoiceFilter {
  // states (number fields that hold fractions start as doubles: double-field.ts)
  private a1 = DOUBLE_ZERO;
  private a2 = DOUBLE_ZERO;
  private b1 = DOUBLE_ZERO;
  private b2 = DOUBLE_ZERO;
  // block-ramped coefficient (G for analog, g for digital) and its target
  private coef = DOUBLE_ZERO;
  private readonly weights: MixWeights = { lp: 1, bp: 0, hp: 0, compensation: 1, compensationMult: 1 };
  private readonly gains: AnalogGains = { R: 0, D: 1, outGain: 1 };
  private readonly analogCoefs = new AnalogCoefficients();
  /** The stereo pair kernels (made at first use; null without WebAssembly SIMD): analog (by variant), ladder. */
  private readonly analogKernels: (PairKernel | null | undefined)[] = [undefined, undefined, undefined];
  private ladderKernel: PairKernel | null | undefined;
  private model = MODEL_ANALOG;
  private style = STYLE_12DB;
  private res = DOUBLE_ZERO;
  private driveGain = DOUBLE_ZERO;
  private drivePct = DOUBLE_ZERO;
  /** The last cutoff note and model `coefficient` ran for, and its result (a held cutoff skips the pow and tan). */
  private coefNote = Number.NaN;
  private coefModel = -1;
  private coefTarget = DOUBLE_ZERO;
  private started = false;
  private readonly sampleRate: number;
  private readonly ladder = new LadderFilter();
  private readonly ladderSettings: LadderSettings = {
    style: 0,
    resonance: 0,
    driveGain: 1,
    drivePct: 0,
    blend: 0,
  };
  private readonly dirty = new DirtyFilter();
  private readonly diode: DiodeFilter;
  private readonly diodeSettings: DiodeSettings = { style: 0, resonance: 0, driveGain: 1, blend: 0 };
  private readonly phaser = new PhaserFilter();
  private readonly comb: CombFilter;
  private readonly formant: FormantFilter;
  private readonly formantSettings: FormantSettings = {
    style: 0,
    x: 0.5,
    y: 0.5,
    spread: 0,
    transpose: 0,
    resonance: 0.85,
    driveGain: 1,
  };
  private readonly combSettings: CombSettings = {
    style: 0,
    cutoffNote: 60,
    resonance: 0,
    blend: 0,
    blendTranspose: 0,
  };
  private readonly phaserSettings: PhaserFilterSettings = { style: 0, resonance: 0, driveGain: 1, blend: 0 };
  private readonly dirtySettings: DirtySettings = {
    style: 0,
    resonance: 0,
    driveGain: 1,
    drivePct: 0,
    lp: 1,
    bp: 0,
    hp: 0,
    driveBlend: 1,
    driveMult: 1,
  };

  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
    this.diode = new DiodeFilter(sampleRate);
    this.comb = new CombFilter(sampleRate);
    this.formant = new FormantFilter(sampleRate);
  }

  reset(): void {
    this.a1 = this.a2 = this.b1 = this.b2 = 0;
    this.ladder.reset();
    this.dirty.reset();
    this.diode.reset();
    this.phaser.reset();
    this.comb.reset();
    this.formant.reset();
    this.started = false;
  }

  /** Take over another channel's state (used while both channels carry the same signal). */
  copyStateFrom(o: VoiceFilter): void {
    this.a1 = o.a1;
    this.a2 = o.a2;
    this.b1 = o.b1;
    this.b2 = o.b2;
    this.coef = o.coef;
    this.model = o.model;
    this.ladder.copyStateFrom(o.ladder);
    this.dirty.copyStateFrom(o.dirty);
    this.diode.copyStateFrom(o.diode);
    this.phaser.copyStateFrom(o.phaser);
    this.comb.copyStateFrom(o.comb);
    this.formant.copyStateFrom(o.formant);
    this.started = o.started;
  }

  private coefficient(note: number): number {
    let hz = Math.min(Math.max(midiToHz(note), 1), 0.4535 * this.sampleRate);
    if (this.model === MODEL_LADDER) hz = Math.min(hz, LADDER_MAX_CUTOFF_HZ);
    if (this.model === MODEL_DIGITAL) return Math.tan(Math.PI * Math.min(hz / this.sampleRate, 0.499));
    const s = (Math.PI * hz) / this.sampleRate;
    return Math.tan(Math.min(0.499 * Math.PI, s / (s + 1)));
  }

  /**
   * Filter a stereo pair: `this` runs `left` with `sL`, `right` runs `rightBuf` with `sR` (same model and
   * style). The analog model runs both channels in one loop — the two recurrences are independent, so the
   * CPU overlaps them — with the same arithmetic as two `process` calls; other models run one after the other.
   */
  processPair(
    left: Float32Array,
    rightBuf: Float32Array,
    n: number,
    sL: FilterSettings,
    sR: FilterSettings,
    right: VoiceFilter,
  ): void {
    const tL = this.configure(sL);
    const tR = right.configure(sR);
    const paired = this.model === right.model && this.style === right.style;
    if (paired && this.model === MODEL_ANALOG && !(this.resting(left, n) && right.resting(rightBuf, n))) {
      this.processAnalogPair(left, rightBuf, n, tL, right, tR);
      this.coef = tL;
      right.coef = tR;
    } else if (
      paired &&
      this.model === MODEL_LADDER &&
      !(this.resting(left, n) && right.resting(rightBuf, n))
    ) {
      this.configureLadder(sL);
      right.configureLadder(sR);
      if (this.ladderKernel === undefined) this.ladderKernel = pairKernel(ladderPairModule);
      this.ladder.processPair(
        left,
        rightBuf,
        n,
        this.coef,
        tL,
        right.ladder,
        right.coef,
        tR,
        this.ladderKernel,
      );
      this.coef = tL;
      right.coef = tR;
    } else {
      this.run(left, n, sL, tL);
      right.run(rightBuf, n, sR, tR);
    }
  }

  /**
   * Whether this block can be skipped: silent input into a filter whose states are all zero stays silent.
   * Only for the models whose one ramped value is the cutoff coefficient (comb and formant ramp more).
   */
  private resting(buf: Float32Array, n: number): boolean {
    let still: boolean;
    if (this.model === MODEL_ANALOG || this.model === MODEL_DIGITAL)
      still = this.a1 === 0 && this.a2 === 0 && this.b1 === 0 && this.b2 === 0;
    else if (this.model === MODEL_LADDER) still = this.ladder.atRest();
    else if (this.model === MODEL_DIRTY) still = this.dirty.atRest();
    else if (this.model === MODEL_DIODE) still = this.diode.atRest();
    else if (this.model === MODEL_PHASER) still = this.phaser.atRest();
    else return false;
    if (!still) return false;
    for (let i = 0; i < n; i++) if (buf[i] !== 0) return false;
    return true;
  }

  /** Filter `n` samples of `buf` in place, ramping the cutoff from the previous block's to this one's. */
  process(buf: Float32Array, n: number, s: FilterSettings): void {
    this.run(buf, n, s, this.configure(s));
  }

  /** Take over the block's settings; returns the cutoff coefficient the block ramps to. */
  private configure(s: FilterSettings): number {
    // models without a renderer here fall back to analog (reported by unsupportedFeatures)
    const model =
      s.model >= MODEL_ANALOG && s.model <= MODEL_PHASER && (s.model !== MODEL_FORMANT || s.style <= 1)
        ? s.model
        : MODEL_ANALOG;
    if (model !== this.model) this.started = false;
    this.model = model;
    this.style = s.style;
    this.res = Math.max(0, Math.min(1, s.resonance));
    const db = Math.max(0, Math.min(20, s.driveDb));
    this.driveGain = Math.pow(10, db / 20);
    this.drivePct = db / 36;
    styleWeights(this.style, s.blend, this.weights);
    if (s.cutoffNote !== this.coefNote || model !== this.coefModel) {
      this.coefTarget = this.coefficient(s.cutoffNote);
      this.coefNote = s.cutoffNote;
      this.coefModel = model;
    }
    const target = this.coefTarget;
    if (!this.started) {
      this.coef = target;
      this.started = true;
    }
    return target;
  }

  private run(buf: Float32Array, n: number, s: FilterSettings, target: number): void {
    if (!this.resting(buf, n)) this.filter(buf, n, s, target);
    this.coef = target;
  }

  private filter(buf: Float32Array, n: number, s: FilterSettings, target: number): void {
    if (this.model === MODEL_LADDER) {
      this.configureLadder(s);
      this.ladder.process(buf, n, this.coef, target);
    } else if (this.model === MODEL_DIRTY) {
      const d = this.dirtySettings;
      const w = this.weights;
      d.style = this.style;
      d.resonance = this.res;
      d.driveGain = this.driveGain;
      d.drivePct = this.drivePct;
      d.lp = w.lp;
      d.bp = w.bp;
      d.hp = w.hp;
      d.driveBlend = w.compensation;
      d.driveMult = w.compensationMult;
      this.dirty.process(buf, n, this.coef, target, d);
    } else if (this.model === MODEL_DIODE) {
      const d = this.diodeSettings;
      d.style = this.style;
      d.resonance = this.res;
      d.driveGain = this.driveGain;
      d.blend = s.blend;
      this.diode.process(buf, n, this.coef, target, d);
    } else if (this.model === MODEL_FORMANT && this.style <= 1) {
      const f = this.formantSettings;
      f.style = this.style;
      f.x = s.formantX;
      f.y = s.formantY;
      f.spread = s.formantSpread;
      f.transpose = s.formantTranspose;
      f.resonance = s.formantResonance;
      f.driveGain = this.driveGain;
      this.formant.process(buf, n, f);
    } else if (this.model === MODEL_COMB) {
      const c = this.combSettings;
      c.style = this.style;
      c.cutoffNote = s.cutoffNote;
      c.resonance = this.res;
      c.blend = s.blend;
      c.blendTranspose = s.blendTranspose;
      this.comb.process(buf, n, c);
    } else if (this.model === MODEL_PHASER) {
      const p = this.phaserSettings;
      p.style = this.style;
      p.resonance = this.res;
      p.driveGain = this.driveGain;
      p.blend = s.blend;
      this.phaser.process(buf, n, this.coef, target, p);
    } else if (this.model === MODEL_DIGITAL) this.processDigital(buf, n, target);
    else this.processAnalog(buf, n, target);
  }

  private configureLadder(s: FilterSettings): void {
    const l = this.ladderSettings;
    l.style = this.style;
    l.resonance = this.res;
    l.driveGain = this.driveGain;
    l.drivePct = this.drivePct;
    l.blend = s.blend;
    this.ladder.configure(l);
  }

  private compensatedDrive(compensated: number): number {
    const w = this.weights;
    return this.driveGain + (compensated * w.compensationMult - this.driveGain) * w.compensation;
  }

  private processDigital(buf: Float32Array, n: number, target: number): void {
    const r3 = this.res * this.res * this.res;
    const k = 1 / (0.5 + 15.5 * r3);
    const d = this.compensatedDrive(this.driveGain / (2 * r3 + 1));
    const outGain = 1 / Math.sqrt(this.driveGain);
    const { lp, bp, hp } = this.weights;
    const dual = this.style === STYLE_NOTCH_SPREAD;
    const twoStage = this.style !== STYLE_12DB;
    // first-stage mix (and the only mix for the single-stage styles)
    const c0 = hp;
    const c1 = bp - k * hp;
    const c2 = lp - hp;
    // the dual (notch spread) style's second stage swaps the roles of low and high
    const e0 = dual ? lp : c0;
    const e1 = dual ? bp - k * lp : c1;
    const e2 = dual ? hp - lp : c2;
    let ic1 = this.a1;
    let ic2 = this.a2;
    let jc1 = this.b1;
    let jc2 = this.b2;
    const g0 = this.coef;
    const dg = (target - g0) / n;
    for (let i = 0; i < n; i++) {
      const g = g0 + dg * (i + 1);
      let x = d * buf[i]!;
      if (twoStage) {
        const p1 = 1 / (1 + g * (g + 1));
        const p2 = g * p1;
        const p3 = g * p2;
        const w3 = x - jc2;
        const w1 = p1 * jc1 + p2 * w3;
        const w2 = jc2 + p2 * jc1 + p3 * w3;
        jc1 = 2 * w1 - jc1;
        jc2 = 2 * w2 - jc2;
        x = hardTanh(c0 * x + c1 * w1 + c2 * w2);
      }
      const a1 = 1 / (1 + g * (g + k));
      const a2 = g * a1;
      const a3 = g * a2;
      const v3 = x - ic2;
      const v1 = a1 * ic1 + a2 * v3;
      const v2 = ic2 + a2 * ic1 + a3 * v3;
      ic1 = 2 * v1 - ic1;
      ic2 = 2 * v2 - ic2;
      buf[i] = hardTanh(e0 * x + e1 * v1 + e2 * v2) * outGain;
    }
    this.a1 = flush(ic1);
    this.a2 = flush(ic2);
    this.b1 = flush(jc1);
    this.b2 = flush(jc2);
  }

  /** Resonance (R), input drive (D) and output gain of the analog model for this block's settings. */
  private analogGains(out: AnalogGains): void {
    const rPct = Math.sqrt(this.res);
    const resScale = 2 * rPct * rPct + 1;
    out.R = 2.15 * rPct + 1.1 * this.drivePct * this.res;
    out.D = this.compensatedDrive(this.driveGain / resScale);
    out.outGain = 1 / Math.sqrt(resScale * out.D);
  }

  private processAnalog(buf: Float32Array, n: number, target: number): void {
    const gains = this.gains;
    this.analogGains(gains);
    const { lp, bp, hp } = this.weights;
    const outGain = gains.outGain;
    const dual = this.style === STYLE_NOTCH_SPREAD;
    const twoStage = this.style !== STYLE_12DB;
    const c = this.analogCoefs;
    let z1 = this.a1;
    let z2 = this.a2;
    let y1 = this.b1;
    let y2 = this.b2;
    const G0 = this.coef;
    const dG = (target - G0) / n;
    for (let i = 0; i < n; i++) {
      if (i === 0 || dG !== 0) c.set(G0 + dG * (i + 1), gains);
      const { G, omg, a, g2, g2omg, g2G } = c;
      let x = buf[i]!;
      if (twoStage) {
        const u = c.inv1 * x + (c.fbY1 * y1 - c.fbY2 * y2);
        const s1 = omg * y1 + G * u;
        const s2 = omg * y2 + G * s1;
        y2 = a * y2 + g2omg * y1 + g2G * u;
        y1 = a * y1 + g2 * u;
        const band = s1 - s2;
        x = lp * s2 + (dual ? 0 : bp * band) + hp * (u - s1 - band);
      }
      const u = tanhApprox(c.dInv2 * x + (c.fbZ1 * z1 - c.fbZ2 * z2));
      const s1 = omg * z1 + G * u;
      const s2 = omg * z2 + G * s1;
      z2 = a * z2 + g2omg * z1 + g2G * u;
      z1 = a * z1 + g2 * u;
      const band = s1 - s2;
      if (dual) buf[i] = (hp * s2 + lp * (u - 2 * s1 + s2)) * outGain;
      else buf[i] = (lp * s2 + bp * band + hp * (u - s1 - band)) * outGain;
    }
    this.a1 = flush(z1);
    this.a2 = flush(z2);
    this.b1 = flush(y1);
    this.b2 = flush(y2);
  }

  /**
   * `processAnalogPair` in the WebAssembly kernel of this style (gains already set). False where there is no
   * kernel (WebAssembly SIMD missing): the caller runs the scalar loop.
   */
  private runAnalogKernel(
    bufL: Float32Array,
    bufR: Float32Array,
    n: number,
    target: number,
    r: VoiceFilter,
    targetR: number,
  ): boolean {
    const variant =
      this.style === STYLE_12DB
        ? ANALOG_12DB
        : this.style === STYLE_NOTCH_SPREAD
          ? ANALOG_DUAL
          : ANALOG_TWO_STAGE;
    const kernels = this.analogKernels;
    if (kernels[variant] === undefined) kernels[variant] = pairKernel(analogPairModules[variant]!);
    const k = kernels[variant];
    if (!k) return false;
    const S = ANALOG_SLOT;
    k.set(S.g0, this.coef, r.coef);
    k.set(S.dg, (target - this.coef) / n, (targetR - r.coef) / n);
    k.set(S.r, this.gains.R, r.gains.R);
    k.set(S.d, this.gains.D, r.gains.D);
    k.set(S.lp, this.weights.lp, r.weights.lp);
    k.set(S.bp, this.weights.bp, r.weights.bp);
    k.set(S.hp, this.weights.hp, r.weights.hp);
    k.set(S.outGain, this.gains.outGain, r.gains.outGain);
    k.set(S.z1, this.a1, r.a1);
    k.set(S.z2, this.a2, r.a2);
    k.set(S.y1, this.b1, r.b1);
    k.set(S.y2, this.b2, r.b2);
    k.run(bufL, bufR, n);
    const ctl = k.ctl;
    this.a1 = flush(ctl[2 * S.z1]!);
    this.a2 = flush(ctl[2 * S.z2]!);
    r.a1 = flush(ctl[2 * S.z1 + 1]!);
    r.a2 = flush(ctl[2 * S.z2 + 1]!);
    this.b1 = flush(ctl[2 * S.y1]!);
    this.b2 = flush(ctl[2 * S.y2]!);
    r.b1 = flush(ctl[2 * S.y1 + 1]!);
    r.b2 = flush(ctl[2 * S.y2 + 1]!);
    return true;
  }

  /** `processAnalog` on two channels at once (`this`, and `r` with its own settings); same arithmetic. */
  private processAnalogPair(
    bufL: Float32Array,
    bufR: Float32Array,
    n: number,
    target: number,
    r: VoiceFilter,
    targetR: number,
  ): void {
    const gains = this.gains;
    const gainsR = r.gains;
    this.analogGains(gains);
    r.analogGains(gainsR);
    if (n <= KERNEL_BLOCK && this.runAnalogKernel(bufL, bufR, n, target, r, targetR)) return;
    const { lp, bp, hp } = this.weights;
    const lpR = r.weights.lp;
    const bpR = r.weights.bp;
    const hpR = r.weights.hp;
    const outGain = gains.outGain;
    const outGainR = gainsR.outGain;
    const dual = this.style === STYLE_NOTCH_SPREAD;
    const twoStage = this.style !== STYLE_12DB;
    const c = this.analogCoefs;
    const e = r.analogCoefs;
    let z1 = this.a1;
    let z2 = this.a2;
    let y1 = this.b1;
    let y2 = this.b2;
    let q1 = r.a1;
    let q2 = r.a2;
    let w1 = r.b1;
    let w2 = r.b2;
    const G0 = this.coef;
    const dG = (target - G0) / n;
    const H0 = r.coef;
    const dH = (targetR - H0) / n;
    for (let i = 0; i < n; i++) {
      if (i === 0 || dG !== 0) c.set(G0 + dG * (i + 1), gains);
      if (i === 0 || dH !== 0) e.set(H0 + dH * (i + 1), gainsR);
      const { G, omg, a, g2, g2omg, g2G } = c;
      const H = e.G;
      const omh = e.omg;
      let x = bufL[i]!;
      let xr = bufR[i]!;
      if (twoStage) {
        const u = c.inv1 * x + (c.fbY1 * y1 - c.fbY2 * y2);
        const ur = e.inv1 * xr + (e.fbY1 * w1 - e.fbY2 * w2);
        const s1 = omg * y1 + G * u;
        const t1 = omh * w1 + H * ur;
        const s2 = omg * y2 + G * s1;
        const t2 = omh * w2 + H * t1;
        y2 = a * y2 + g2omg * y1 + g2G * u;
        w2 = e.a * w2 + e.g2omg * w1 + e.g2G * ur;
        y1 = a * y1 + g2 * u;
        w1 = e.a * w1 + e.g2 * ur;
        const band = s1 - s2;
        const bandR = t1 - t2;
        x = lp * s2 + (dual ? 0 : bp * band) + hp * (u - s1 - band);
        xr = lpR * t2 + (dual ? 0 : bpR * bandR) + hpR * (ur - t1 - bandR);
      }
      const u = tanhApprox(c.dInv2 * x + (c.fbZ1 * z1 - c.fbZ2 * z2));
      const ur = tanhApprox(e.dInv2 * xr + (e.fbZ1 * q1 - e.fbZ2 * q2));
      const s1 = omg * z1 + G * u;
      const t1 = omh * q1 + H * ur;
      const s2 = omg * z2 + G * s1;
      const t2 = omh * q2 + H * t1;
      z2 = a * z2 + g2omg * z1 + g2G * u;
      q2 = e.a * q2 + e.g2omg * q1 + e.g2G * ur;
      z1 = a * z1 + g2 * u;
      q1 = e.a * q1 + e.g2 * ur;
      if (dual) {
        bufL[i] = (hp * s2 + lp * (u - 2 * s1 + s2)) * outGain;
        bufR[i] = (hpR * t2 + lpR * (ur - 2 * t1 + t2)) * outGainR;
      } else {
        const band = s1 - s2;
        const bandR = t1 - t2;
        bufL[i] = (lp * s2 + bp * band + hp * (u - s1 - band)) * outGain;
        bufR[i] = (lpR * t2 + bpR * bandR + hpR * (ur - t1 - bandR)) * outGainR;
      }
    }
    this.a1 = flush(z1);
    this.a2 = flush(z2);
    this.b1 = flush(y1);
    this.b2 = flush(y2);
    r.a1 = flush(q1);
    r.a2 = flush(q2);
    r.b1 = flush(w1);
    r.b2 = flush(w2);
  }
}

interface AnalogGains {
  R: number;
  D: number;
  outGain: number;
}

/**
 * The analog model's per-sample coefficients at one cutoff coefficient G (kept while the cutoff holds). The two
 * integrators are in state-space form — z' = 2s − z with s = (1 − G)·z + G·in, the second fed by the first —
 * so each new state is one multiply-add from the input and the per-sample chain through the tanh stays short.
 */
class AnalogCoefficients {
  G = 0;
  omg = 0;
  a = 0;
  g2 = 0;
  g2omg = 0;
  g2G = 0;
  /** First (linear) stage of the 24 dB styles: input scale and feedback weights. */
  inv1 = 0;
  fbY1 = 0;
  fbY2 = 0;
  /** Saturating stage: input scale (drive · normaliser) and feedback weights. */
  dInv2 = 0;
  fbZ1 = 0;
  fbZ2 = 0;

  set(G: number, gains: AnalogGains): void {
    const omg = 1 - G;
    const GG = G * G - G;
    const Reff = gains.R / Math.max(1, 0.97 + 0.18 * G);
    const inv2 = 1 / (1 + Reff * GG);
    this.G = G;
    this.omg = omg;
    this.a = 1 - 2 * G;
    this.g2 = 2 * G;
    this.g2omg = this.g2 * omg;
    this.g2G = this.g2 * G;
    this.inv1 = 1 / (1 + GG);
    this.fbY2 = this.inv1 * omg;
    this.fbY1 = this.fbY2 * omg;
    this.dInv2 = gains.D * inv2;
    this.fbZ2 = Reff * inv2 * omg;
    this.fbZ1 = this.fbZ2 * omg;
  }
}
