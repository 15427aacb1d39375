// Vital's analog (Sallen-Key style, zero-delay feedback) and digital (trapezoidal SVF) filter models with the
// 12 dB, 24 dB, notch-blend, notch-spread and band/peak/notch styles. Structure and constants as described in
// ../shared/reference/vital.md §5.1–5.2 (facts from Vital, GPL-3.0, Matt Tytel). One instance filters one
// channel; coefficients are set once per block and ramped linearly across it.

export const MODEL_ANALOG = 0;
export const MODEL_DIGITAL = 3;

export const STYLE_12DB = 0;
export const STYLE_24DB = 1;
export const STYLE_NOTCH_BLEND = 2;
export const STYLE_NOTCH_SPREAD = 3;
export const STYLE_BPN = 4;

export function tanhApprox(x: number): number {
  const ax = Math.abs(x);
  const x2 = x * x;
  return (
    (x * (2.4555 + 2.4555 * ax + x2 * (0.89323 + 0.82123 * ax))) /
    (2.44507 + (2.44507 + x2) * Math.abs(x + 0.81464 * x * ax))
  );
}

function hardTanh(x: number): number {
  const c = x > 0.66 ? 0.66 : x < -0.66 ? -0.66 : x;
  return c + 0.34 * tanhApprox((x - c) / 0.34);
}

export function midiToHz(note: number): number {
  return 8.1757989156 * Math.pow(2, note / 12);
}

/** Low/band/high weights of the 12/24 dB styles from blend (0 … 2). */
export interface MixWeights {
  lp: number;
  bp: number;
  hp: number;
}

export function styleWeights(style: number, blend: number, out: MixWeights): void {
  const b = Math.max(-1, Math.min(1, blend - 1));
  if (style === STYLE_NOTCH_BLEND) {
    // low-pass → notch (low + high) → high-pass
    out.lp = Math.min(1, 1 - b);
    out.hp = Math.min(1, 1 + b);
    out.bp = 0;
  } else if (style === STYLE_BPN) {
    // band-pass → peak (low − high) → notch (low + high)
    const t = (b + 1) / 2;
    out.bp = Math.max(0, 1 - 2 * t);
    out.lp = Math.min(1, 2 * t);
    const hpSign = t < 0.5 ? -1 : 1;
    out.hp = hpSign * Math.min(1, Math.abs(2 * t - 1) * 2, 2 * t);
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
}

/** One channel of filter 1 or 2. */
export class VoiceFilter {
  // states
  private a1 = 0;
  private a2 = 0;
  private b1 = 0;
  private b2 = 0;
  // block-ramped coefficient (G for analog, g for digital) and its target
  private coef = 0;
  private coef2 = 0;
  private readonly weights: MixWeights = { lp: 1, bp: 0, hp: 0 };
  private model = MODEL_ANALOG;
  private style = STYLE_12DB;
  private res = 0;
  private driveGain = 1;
  private drivePct = 0;
  private started = false;
  private readonly sampleRate: number;

  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
  }

  reset(): void {
    this.a1 = this.a2 = this.b1 = this.b2 = 0;
    this.started = false;
  }

  private coefficient(note: number): number {
    const hz = Math.min(Math.max(midiToHz(note), 1), 0.4535 * this.sampleRate);
    if (this.model === MODEL_DIGITAL) return Math.tan(Math.PI * Math.min(hz / this.sampleRate, 0.499));
    const s = (Math.PI * hz) / this.sampleRate;
    return Math.tan(Math.min(0.499 * Math.PI, s / (s + 1)));
  }

  /** Filter `n` samples of `buf` in place, ramping the cutoff from the previous block's to this one's. */
  process(buf: Float32Array, n: number, s: FilterSettings): void {
    this.model = s.model === MODEL_DIGITAL ? MODEL_DIGITAL : MODEL_ANALOG;
    this.style = s.style;
    this.res = Math.max(0, Math.min(1, s.resonance));
    const db = Math.max(0, Math.min(20, s.driveDb));
    this.driveGain = Math.pow(10, db / 20);
    this.drivePct = db / 36;
    styleWeights(this.style, s.blend, this.weights);
    let spreadNote = s.cutoffNote;
    let mainNote = s.cutoffNote;
    if (this.style === STYLE_NOTCH_SPREAD) {
      const half = Math.max(0, Math.min(84, s.blendTranspose)) / 2;
      mainNote = s.cutoffNote - half;
      spreadNote = s.cutoffNote + half;
    }
    const target = this.coefficient(mainNote);
    const target2 = this.coefficient(spreadNote);
    if (!this.started) {
      this.coef = target;
      this.coef2 = target2;
      this.started = true;
    }
    if (this.model === MODEL_DIGITAL) this.processDigital(buf, n, target, target2);
    else this.processAnalog(buf, n, target, target2);
    this.coef = target;
    this.coef2 = target2;
  }

  private processDigital(buf: Float32Array, n: number, target: number, target2: number): void {
    const r3 = this.res * this.res * this.res;
    const k = 1 / (0.5 + 15.5 * r3);
    const d = this.driveGain / (2 * r3 + 1);
    const outGain = 1 / Math.sqrt(this.driveGain);
    let { lp, bp, hp } = this.weights;
    let kPre = 1;
    let stages = 1;
    if (this.style === STYLE_24DB) stages = 2;
    if (this.style === STYLE_NOTCH_SPREAD) {
      // two notches in series, each from the resonant stage's coefficients
      lp = 1;
      hp = 1;
      bp = 0;
      kPre = k;
      stages = 2;
    }
    const c0 = hp;
    const c1 = bp - k * hp;
    const c2 = lp - hp;
    const c1Pre = bp - kPre * hp;
    let ic1 = this.a1;
    let ic2 = this.a2;
    let jc1 = this.b1;
    let jc2 = this.b2;
    const g0 = this.coef;
    const dg = (target - g0) / n;
    const h0 = this.coef2;
    const dh = (target2 - h0) / n;
    for (let i = 0; i < n; i++) {
      let x = d * buf[i]!;
      if (stages === 2) {
        const g = this.style === STYLE_NOTCH_SPREAD ? h0 + dh * (i + 1) : g0 + dg * (i + 1);
        const a1 = 1 / (1 + g * (g + kPre));
        const a2 = g * a1;
        const a3 = g * a2;
        const v3 = x - jc2;
        const v1 = a1 * jc1 + a2 * v3;
        const v2 = jc2 + a2 * jc1 + a3 * v3;
        jc1 = 2 * v1 - jc1;
        jc2 = 2 * v2 - jc2;
        x = hardTanh(c0 * x + c1Pre * v1 + c2 * v2);
      }
      const g = g0 + dg * (i + 1);
      const a1 = 1 / (1 + g * (g + k));
      const a2 = g * a1;
      const a3 = g * a2;
      const v3 = x - ic2;
      const v1 = a1 * ic1 + a2 * v3;
      const v2 = ic2 + a2 * ic1 + a3 * v3;
      ic1 = 2 * v1 - ic1;
      ic2 = 2 * v2 - ic2;
      buf[i] = hardTanh(c0 * x + c1 * v1 + c2 * v2) * outGain;
    }
    this.a1 = ic1;
    this.a2 = ic2;
    this.b1 = jc1;
    this.b2 = jc2;
  }

  private processAnalog(buf: Float32Array, n: number, target: number, target2: number): void {
    const rPct = Math.sqrt(this.res);
    const R = 2.15 * rPct + 1.1 * this.drivePct * this.res;
    const resScale = 2 * rPct * rPct + 1;
    const D = this.driveGain / resScale;
    const outGain = 1 / Math.sqrt(resScale * D);
    let { lp, bp, hp } = this.weights;
    let twoStage = this.style === STYLE_24DB;
    let preR = 1;
    if (this.style === STYLE_NOTCH_SPREAD) {
      lp = 1;
      hp = 1;
      bp = 0;
      twoStage = true;
      preR = R;
    }
    let z1 = this.a1;
    let z2 = this.a2;
    let y1 = this.b1;
    let y2 = this.b2;
    const G0 = this.coef;
    const dG = (target - G0) / n;
    const H0 = this.coef2;
    const dH = (target2 - H0) / n;
    for (let i = 0; i < n; i++) {
      const G = G0 + dG * (i + 1);
      const omg = 1 - G;
      let x = buf[i]!;
      if (twoStage) {
        const Gp = this.style === STYLE_NOTCH_SPREAD ? H0 + dH * (i + 1) : G;
        const op = 1 - Gp;
        const Rp = this.style === STYLE_NOTCH_SPREAD ? preR / Math.max(1, 0.97 + 0.18 * Gp) : preR;
        const fb = -op * op * y1 + op * y2;
        const u = (x - Rp * fb) / (1 + Rp * (Gp * Gp - Gp));
        const d1 = Gp * (u - y1);
        const s1 = y1 + d1;
        y1 = s1 + d1;
        const d2 = Gp * (s1 - y2);
        const s2 = y2 + d2;
        y2 = s2 + d2;
        const band = s1 - s2;
        x = lp * s2 + bp * band + hp * (u - s1 - band);
      }
      const Reff = R / Math.max(1, 0.97 + 0.18 * G);
      const fb = -omg * omg * z1 + omg * z2;
      const u = tanhApprox((D * x - Reff * fb) / (1 + Reff * (G * G - G)));
      const d1 = G * (u - z1);
      const s1 = z1 + d1;
      z1 = s1 + d1;
      const d2 = G * (s1 - z2);
      const s2 = z2 + d2;
      z2 = s2 + d2;
      const band = s1 - s2;
      buf[i] = (lp * s2 + bp * band + hp * (u - s1 - band)) * outGain;
    }
    this.a1 = z1;
    this.a2 = z2;
    this.b1 = y1;
    this.b2 = y2;
  }
}
