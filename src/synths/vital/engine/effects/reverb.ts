// Vital's reverb (vital.md §8; structure and constants are facts from Vital, GPL-3.0, Matt Tytel): a
// 16-line feedback delay network in 4 groups of 4 lines (base lengths at 44.1 kHz scaled by the running rate
// and 2^(4·size − 3)), each line read through an all-pass diffuser (gain 0.6) into which the band-limited
// input is injected, mixed back by the unitary Householder ⊗ Householder matrix, shelved (one-pole high and
// low shelves) and scaled for a −60 dB decay after `reverb_decay_time`. Lines 0 and 2 of each group carry the
// left input, 1 and 3 the right; each diffuser reads its stereo neighbour's buffer. Line lengths are modulated
// by a quadrature LFO. The wet output (left = lines 0 + 2, right = 1 + 3, summed over groups) passes the
// pre-delay and is mixed equal-power with the dry input.

import { pid, type VitalProgram } from "../program.ts";
import {
  clamp,
  dryGain,
  flush,
  midiToHz,
  onePoleCoefficient,
  wetGain,
  type BlockContext,
  type Effect,
} from "./common.ts";
import { DelayLine } from "./delay-line.ts";

const P = {
  decay: pid("reverb_decay_time"),
  preLow: pid("reverb_pre_low_cutoff"),
  preHigh: pid("reverb_pre_high_cutoff"),
  lowCutoff: pid("reverb_low_shelf_cutoff"),
  lowGain: pid("reverb_low_shelf_gain"),
  highCutoff: pid("reverb_high_shelf_cutoff"),
  highGain: pid("reverb_high_shelf_gain"),
  chorusAmount: pid("reverb_chorus_amount"),
  chorusFrequency: pid("reverb_chorus_frequency"),
  size: pid("reverb_size"),
  delay: pid("reverb_delay"),
  mix: pid("reverb_dry_wet"),
};

const ALLPASS = [1001, 799, 933, 876, 895, 807, 907, 853, 957, 1019, 711, 567, 833, 779, 663, 997];
const FEEDBACK = [
  6753.2, 9278.4, 7704.5, 11328.5, 9701.12, 5512.5, 8480.45, 5638.65, 3120.73, 3429.5, 3626.37, 7713.52,
  4521.54, 6518.97, 5265.56, 5630.25,
];
const LINES = 16;
const BASE_RATE = 44100;
const ALLPASS_GAIN = 0.6;
const MAX_CHORUS_DRIFT = 2500;
const MAX_CHORUS_HZ = 16;
const T60 = 0.001;

export class Reverb implements Effect {
  private readonly lines: DelayLine[] = [];
  /** All-pass buffers, one per line, integer delays. */
  private readonly ap: Float32Array[] = [];
  private readonly apMask: number;
  private apPos = 0;
  private readonly apDelay = new Int32Array(LINES);
  private readonly bufferScale: number;
  private readonly rateRatio: number;
  private readonly out: DelayLine[];
  // per-line state
  private readonly highState = new Float64Array(LINES);
  private readonly lowState = new Float64Array(LINES);
  private readonly decay = new Float64Array(LINES);
  private readonly prevDecay = new Float64Array(LINES);
  private readonly x = new Float64Array(LINES);
  private readonly w = new Float64Array(LINES);
  private readonly lineDelay = new Float64Array(LINES);
  private readonly chorusAmount = new Float64Array(4);
  private readonly cosv = new Float64Array(4);
  private readonly sinv = new Float64Array(4);
  private preLowState = [0, 0];
  private preHighState = [0, 0];
  private started = false;
  private wet = 0;
  private dry = 1;
  private highCoef = 0;
  private highAmp = 1;
  private lowCoef = 0;
  private lowAmp = 0;
  private preLowCoef = 0;
  private preHighCoef = 0;
  private predelay = 3;

  /** `startSeconds`: time the reverb has been running before transport 0 (its chorus LFO is free-running). */
  constructor(
    private readonly program: VitalProgram,
    private readonly sampleRate: number,
    private readonly startSeconds: number,
  ) {
    this.rateRatio = sampleRate / BASE_RATE;
    let scale = 1;
    while (scale < this.rateRatio) scale *= 2;
    this.bufferScale = scale;
    const maxLine = Math.ceil(11328.5 * 2 * this.rateRatio + MAX_CHORUS_DRIFT * this.rateRatio * 2) + 16;
    for (let i = 0; i < LINES; i++) this.lines.push(new DelayLine(maxLine));
    let apSize = 1;
    while (apSize < 1024 * scale + 4) apSize <<= 1;
    this.apMask = apSize - 1;
    for (let i = 0; i < LINES; i++) {
      this.ap.push(new Float32Array(apSize));
      this.apDelay[i] = ALLPASS[i]! * scale + 1;
    }
    this.out = [
      new DelayLine(Math.ceil(0.3 * sampleRate) + 8),
      new DelayLine(Math.ceil(0.3 * sampleRate) + 8),
    ];
  }

  reset(): void {
    for (const l of this.lines) l.clear();
    for (const a of this.ap) a.fill(0);
    for (const o of this.out) o.clear();
    this.highState.fill(0);
    this.lowState.fill(0);
    this.preLowState = [0, 0];
    this.preHighState = [0, 0];
    this.started = false;
  }

  process(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void {
    const v = this.program.values;
    const sr = this.sampleRate;
    const mix = clamp(v[P.mix]!, 0, 1);
    const wet = wetGain(mix);
    const dry = dryGain(mix);
    const coef = (note: number) => onePoleCoefficient(midiToHz(clamp(note, 0, 130)), sr);
    const preLowCoef = coef(v[P.preLow]!);
    const preHighCoef = coef(v[P.preHigh]!);
    const lowCoef = coef(v[P.lowCutoff]!);
    const highCoef = coef(v[P.highCutoff]!);
    const lowAmp = 1 - Math.pow(10, clamp(v[P.lowGain]!, -24, 0) / 20);
    const highAmp = Math.pow(10, clamp(v[P.highGain]!, -24, 0) / 20);
    const size = clamp(v[P.size]!, 0, 1);
    const sizeMult = Math.pow(2, size * 4 - 3);
    const decaySeconds = clamp(Math.pow(2, v[P.decay]!), 0.1, 100);
    const decayPeriod = sizeMult / (decaySeconds * BASE_RATE);
    for (let i = 0; i < LINES; i++) {
      this.decay[i] = Math.pow(T60, FEEDBACK[i]! * decayPeriod);
      this.lineDelay[i] = sizeMult * FEEDBACK[i]! * this.rateRatio;
    }
    // chorus depth per lane (samples), limited by the shortest line of that lane
    const ca = v[P.chorusAmount]!;
    const amount = clamp(ca * ca, 0, 1) * MAX_CHORUS_DRIFT * this.rateRatio;
    for (let j = 0; j < 4; j++) {
      let a = amount;
      for (let k = 0; k < 4; k++) a = Math.min(a, this.lineDelay[k * 4 + j]! - 32);
      this.chorusAmount[j] = Math.max(0, a) * sizeMult;
    }
    const cf = Math.pow(2, v[P.chorusFrequency]!);
    const chorusHz = clamp(cf, 0, MAX_CHORUS_HZ);
    const predelay = clamp(v[P.delay]! * sr, 3, this.out[0]!.maxDelay);
    if (!this.started) {
      this.wet = wet;
      this.dry = dry;
      this.preLowCoef = preLowCoef;
      this.preHighCoef = preHighCoef;
      this.lowCoef = lowCoef;
      this.highCoef = highCoef;
      this.lowAmp = lowAmp;
      this.highAmp = highAmp;
      this.prevDecay.set(this.decay);
      this.predelay = predelay;
      this.started = true;
    }
    const inv = 1 / n;
    const dWet = (wet - this.wet) * inv;
    const dDry = (dry - this.dry) * inv;
    const dHighCoef = (highCoef - this.highCoef) * inv;
    const dHighAmp = (highAmp - this.highAmp) * inv;
    const dPre = (predelay - this.predelay) * inv;
    const phase0 = chorusHz * (ctx.timeSeconds + this.startSeconds);
    const dPhase = (2 * Math.PI * chorusHz) / sr;
    const base0 = 2 * Math.PI * (phase0 - Math.floor(phase0));
    const rc = Math.cos(dPhase);
    const rs = Math.sin(dPhase);
    const cosv = this.cosv;
    const sinv = this.sinv;
    for (let j = 0; j < 4; j++) {
      cosv[j] = Math.cos(base0 + (j * 2 * Math.PI) / LINES);
      sinv[j] = Math.sin(base0 + (j * 2 * Math.PI) / LINES);
    }
    const x = this.x;
    const w = this.w;
    const lines = this.lines;
    const ap = this.ap;
    const apMask = this.apMask;
    const decay = this.decay;
    const prevDecay = this.prevDecay;
    const lowState = this.lowState;
    const highState = this.highState;
    const lowCoefNow = this.lowCoef;
    const lowAmpNow = this.lowAmp;
    let preLowL = this.preLowState[0]!;
    let preLowR = this.preLowState[1]!;
    let preHighL = this.preHighState[0]!;
    let preHighR = this.preHighState[1]!;
    for (let i = 0; i < n; i++) {
      const t = i + 1;
      const hc = this.highCoef + dHighCoef * t;
      const ha = this.highAmp + dHighAmp * t;
      const plc = this.preLowCoef + (preLowCoef - this.preLowCoef) * t * inv;
      const phc = this.preHighCoef + (preHighCoef - this.preHighCoef) * t * inv;
      // input band-limiting: difference of two one-pole low-passes, then ¼
      const inL = L[i]!;
      const inR = R[i]!;
      let d = phc * (inL - preHighL);
      const hpL = preHighL + d;
      preHighL = hpL + d;
      d = plc * (inL - preLowL);
      const lpL = preLowL + d;
      preLowL = lpL + d;
      d = phc * (inR - preHighR);
      const hpR = preHighR + d;
      preHighR = hpR + d;
      d = plc * (inR - preLowR);
      const lpR = preLowR + d;
      preLowR = lpR + d;
      const sL = (lpL - hpL) * 0.25;
      const sR = (lpR - hpR) * 0.25;
      // read the lines (chorused) and run the diffusers
      const apW = this.apPos;
      for (let j = 0; j < 4; j++) {
        const c0 = cosv[j]!;
        const s0 = sinv[j]!;
        const c1 = c0 * rc - s0 * rs;
        const s1 = s0 * rc + c0 * rs;
        cosv[j] = c1;
        sinv[j] = s1;
        const amt = this.chorusAmount[j]!;
        const cr = c1 * amt;
        const ci = s1 * amt;
        const input = (j & 1) === 0 ? sL : sR;
        for (let k = 0; k < 4; k++) {
          const li = k * 4 + j;
          const mod = k === 0 ? cr : k === 1 ? -cr : k === 2 ? ci : -ci;
          const fbRead = lines[li]!.read(this.lineDelay[li]! + mod);
          const nb = k * 4 + (j ^ 1);
          const apRead = ap[nb]![(apW - this.apDelay[nb]!) & apMask]!;
          const apIn = fbRead - apRead * ALLPASS_GAIN;
          w[li] = input + apIn; // written to this line's diffuser buffer below
          x[li] = apRead + apIn * ALLPASS_GAIN;
        }
      }
      for (let li = 0; li < LINES; li++) ap[li]![apW] = w[li]!;
      this.apPos = (apW + 1) & apMask;
      // Householder ⊗ Householder mix: x − ½·row − ½·column + ¼·total
      let total = 0;
      for (let li = 0; li < LINES; li++) total += x[li]!;
      let outL = 0;
      let outR = 0;
      let ffTotal = 0;
      for (let k = 0; k < 4; k++) {
        const row = x[k * 4]! + x[k * 4 + 1]! + x[k * 4 + 2]! + x[k * 4 + 3]!;
        for (let j = 0; j < 4; j++) {
          const li = k * 4 + j;
          const col = x[j]! + x[4 + j]! + x[8 + j]! + x[12 + j]!;
          let y = x[li]! - 0.5 * row - 0.5 * col + 0.25 * total;
          // high shelf then low shelf (one-pole low-passes)
          let dd = hc * (y - highState[li]!);
          const hl = highState[li]! + dd;
          highState[li] = hl + dd;
          y = hl + ha * (y - hl);
          dd = lowCoefNow * (y - lowState[li]!);
          const ll = lowState[li]! + dd;
          lowState[li] = ll + dd;
          y -= ll * lowAmpNow;
          const g = prevDecay[li]! + (decay[li]! - prevDecay[li]!) * t * inv;
          const store = g * y;
          lines[li]!.push(store);
          w[li] = store;
          ffTotal += store;
          if ((j & 1) === 0) outL += y;
          else outR += y;
        }
      }
      // feed-forward of the stored values through the same mix, weighted by the decays, ⅛
      for (let k = 0; k < 4; k++) {
        const row = w[k * 4]! + w[k * 4 + 1]! + w[k * 4 + 2]! + w[k * 4 + 3]!;
        for (let j = 0; j < 4; j++) {
          const li = k * 4 + j;
          const col = w[j]! + w[4 + j]! + w[8 + j]! + w[12 + j]!;
          const ff = w[li]! - 0.5 * row - 0.5 * col + 0.25 * ffTotal;
          const g = prevDecay[li]! + (decay[li]! - prevDecay[li]!) * t * inv;
          if ((j & 1) === 0) outL += ff * g * 0.125;
          else outR += ff * g * 0.125;
        }
      }
      const oL = this.out[0]!;
      const oR = this.out[1]!;
      const pd = this.predelay + dPre * i;
      const rl = oL.read(pd);
      const rr = oR.read(pd);
      oL.push(outL);
      oR.push(outR);
      const we = this.wet + dWet * t;
      const dr = this.dry + dDry * t;
      L[i] = we * rl + dr * inL;
      R[i] = we * rr + dr * inR;
    }
    this.preLowState[0] = flush(preLowL);
    this.preLowState[1] = flush(preLowR);
    this.preHighState[0] = flush(preHighL);
    this.preHighState[1] = flush(preHighR);
    for (let li = 0; li < LINES; li++) {
      highState[li] = flush(highState[li]!);
      lowState[li] = flush(lowState[li]!);
    }
    this.wet = wet;
    this.dry = dry;
    this.highCoef = highCoef;
    this.highAmp = highAmp;
    this.lowCoef = lowCoef;
    this.lowAmp = lowAmp;
    this.preLowCoef = preLowCoef;
    this.preHighCoef = preHighCoef;
    this.predelay = predelay;
    prevDecay.set(decay);
  }
}
