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
import { DelayLine, lineSize } from "./delay-line.ts";
import { ReverbKernel, reverbKernelModule } from "./reverb-kernel.ts";

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
const LONGEST_LINE = Math.max(...FEEDBACK);
const MAX_PREDELAY_SECONDS = 0.3;
const BASE_RATE = 44100;
const ALLPASS_GAIN = 0.6;
const MAX_CHORUS_DRIFT = 2500;
const MAX_CHORUS_HZ = 16;
const T60 = 0.001;

export class Reverb implements Effect {
  /** The 16 feedback lines, one after another (each `lineSize` long), sharing one write position. */
  private readonly fb: Float32Array;
  private readonly lineSize: number;
  private readonly lineMask: number;
  private fbPos = 0;
  /** The 16 all-pass buffers, likewise. */
  private readonly ap: Float32Array;
  private readonly apSize: number;
  private readonly apMask: number;
  private apPos = 0;
  private readonly apDelay = new Int32Array(LINES);
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
  private readonly mod = new Float64Array(LINES);
  private readonly chorusAmount = new Float64Array(4);
  private readonly cosv = new Float64Array(4);
  private readonly sinv = new Float64Array(4);
  private readonly rows = new Float64Array(4);
  private readonly cols = new Float64Array(4);
  private readonly pre = new Float64Array(4); // low L, low R, high L, high R
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
  /** The longest pre-delay (samples) whatever the memory's size (the memory holds what the patch can read). */
  private readonly maxPredelay: number;
  /** The size, decay and chorus-amount values `decay`, `lineDelay` and `chorusAmount` were computed for. */
  private linesSize = NaN;
  private linesDecay = NaN;
  private linesChorus = NaN;
  /** The per-block values derived from one parameter each (cut-off coefficients, gains, chorus rate). */
  private readonly memo = new Memo(11);
  /** Whether the kernel holds the current line lengths and chorus depths, and the decays with no ramp. */
  private kernelLines = false;
  private kernelDecays = false;

  /** Whether the low shelf's gain is modulated (else it keeps the patch's value). */
  private readonly lowGainModulated: boolean;

  /** The WebAssembly SIMD network (reverb-kernel.ts), when available and wanted; else the loop below. */
  private readonly kernel: ReverbKernel | undefined;

  /**
   * `startSeconds`: time the reverb has been running before transport 0 (its chorus LFO is free-running).
   * `useKernel`: run the network in the WebAssembly kernel where available (false: the JavaScript loop).
   */
  constructor(
    private readonly program: VitalProgram,
    private readonly sampleRate: number,
    private readonly startSeconds: number,
    maxBlock = 128,
    useKernel = true,
  ) {
    this.rateRatio = sampleRate / BASE_RATE;
    let scale = 1;
    while (scale < this.rateRatio) scale *= 2;
    // the memories hold what the patch's room can read (a smaller memory: fewer pages to fault in and clear)
    const v = program.values;
    const fixed = (id: number) => !program.modulated.includes(id);
    this.lowGainModulated = !fixed(P.lowGain);
    const sizeMult = fixed(P.size) ? sizeMultiplier(v[P.size]!) : sizeMultiplier(1);
    const drift = fixed(P.chorusAmount) ? chorusDrift(v[P.chorusAmount]!) : MAX_CHORUS_DRIFT;
    const lineSizes = FEEDBACK.map((length) => memorySize(length, drift, sizeMult, this.rateRatio));
    const size = memorySize(LONGEST_LINE, MAX_CHORUS_DRIFT, sizeMult, this.rateRatio);
    this.lineSize = size;
    this.lineMask = size - 1;
    const mod = useKernel ? reverbKernelModule() : null;
    this.fb = new Float32Array(mod ? 0 : LINES * size);
    for (let i = 0; i < LINES; i++) this.apDelay[i] = ALLPASS[i]! * scale + 1;
    let apSize = 1;
    while (apSize <= Math.max(...this.apDelay)) apSize <<= 1;
    this.apSize = apSize;
    this.apMask = apSize - 1;
    this.ap = new Float32Array(mod ? 0 : LINES * apSize);
    this.maxPredelay = lineSize(Math.ceil(MAX_PREDELAY_SECONDS * sampleRate) + 8) - 4;
    const predelay = fixed(P.delay) ? clamp(v[P.delay]! * sampleRate, 3, this.maxPredelay) : this.maxPredelay;
    this.out = [new DelayLine(Math.ceil(predelay) + 8), new DelayLine(Math.ceil(predelay) + 8)];
    // the JavaScript loop's memories (fb, ap) are empty when the kernel runs the network
    if (mod)
      this.kernel = new ReverbKernel(mod, maxBlock, lineSizes, apSize, this.out[0]!.size, this.apDelay);
  }

  reset(): void {
    this.fb.fill(0);
    this.ap.fill(0);
    this.kernel?.reset();
    for (const o of this.out) o.clear();
    this.highState.fill(0);
    this.lowState.fill(0);
    this.pre.fill(0);
    this.started = false;
  }

  process(L: Float32Array, R: Float32Array, n: number, ctx: BlockContext): void {
    const v = this.program.values;
    const sr = this.sampleRate;
    const memo = this.memo;
    const wet = memo.get(0, v[P.mix]!, wetGain);
    const dry = memo.get(1, v[P.mix]!, dryGain);
    const preLowCoef = memo.get(2, v[P.preLow]!, coefficient, sr);
    const preHighCoef = memo.get(3, v[P.preHigh]!, coefficient, sr);
    const lowCoef = memo.get(4, v[P.lowCutoff]!, coefficient, sr);
    const highCoef = memo.get(5, v[P.highCutoff]!, coefficient, sr);
    const lowAmp = memo.get(6, v[P.lowGain]!, lowShelfAmount);
    const highAmp = memo.get(7, v[P.highGain]!, highShelfAmplitude);
    // line decays, lengths and chorus depths depend on three values only: recomputed when one changes
    const sizeValue = v[P.size]!;
    const decayValue = v[P.decay]!;
    const ca = v[P.chorusAmount]!;
    const linesChange =
      sizeValue !== this.linesSize || decayValue !== this.linesDecay || ca !== this.linesChorus;
    if (linesChange) {
      this.linesSize = sizeValue;
      this.linesDecay = decayValue;
      this.linesChorus = ca;
      const sizeMult = sizeMultiplier(sizeValue);
      const decaySeconds = clamp(Math.pow(2, decayValue), 0.1, 100);
      const decayPeriod = sizeMult / (decaySeconds * BASE_RATE);
      for (let i = 0; i < LINES; i++) {
        this.decay[i] = Math.pow(T60, FEEDBACK[i]! * decayPeriod);
        this.lineDelay[i] = sizeMult * FEEDBACK[i]! * this.rateRatio;
      }
      // chorus depth per lane (samples), limited by the shortest line of that lane
      const amount = chorusDrift(ca) * this.rateRatio;
      for (let j = 0; j < 4; j++) {
        let a = amount;
        for (let k = 0; k < 4; k++) a = Math.min(a, this.lineDelay[k * 4 + j]! - 32);
        this.chorusAmount[j] = Math.max(0, a) * sizeMult;
      }
    }
    const chorusHz = memo.get(8, v[P.chorusFrequency]!, chorusFrequency);
    const predelay = clamp(v[P.delay]! * sr, 3, this.maxPredelay);
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
    const phase0 = chorusHz * (ctx.timeSeconds + this.startSeconds);
    const dPhase = (2 * Math.PI * chorusHz) / sr;
    const base0 = 2 * Math.PI * (phase0 - Math.floor(phase0));
    const rc = memo.get(9, dPhase, Math.cos);
    const rs = memo.get(10, dPhase, Math.sin);
    const cosv = this.cosv;
    const sinv = this.sinv;
    for (let j = 0; j < 4; j++) {
      cosv[j] = Math.cos(base0 + (j * 2 * Math.PI) / LINES);
      sinv[j] = Math.sin(base0 + (j * 2 * Math.PI) / LINES);
    }
    if (this.kernel) {
      const k = this.kernel;
      if (linesChange || !this.kernelLines) k.setLines(this.lineDelay, this.chorusAmount);
      this.kernelLines = true;
      // the decays ramp over a block where they change (and are set still for the next one)
      if (linesChange || !this.kernelDecays) k.setDecays(n, this.prevDecay, this.decay);
      this.kernelDecays = !linesChange;
      k.setChorus(cosv, sinv, rc, rs);
      const lowShelf = this.lowAmp !== 0 || this.lowGainModulated;
      k.setFilters(n, this.lowCoef, this.lowAmp, this.highCoef, highCoef, this.highAmp, highAmp, lowShelf);
      k.setPreFilters(n, this.preLowCoef, preLowCoef, this.preHighCoef, preHighCoef);
      k.setMix(n, this.predelay, predelay, this.wet, wet, this.dry, dry);
      k.run(L, R, n);
    } else this.network(L, R, n, highCoef, highAmp, preLowCoef, preHighCoef, wet, dry, predelay, rc, rs);
    this.wet = wet;
    this.dry = dry;
    this.highCoef = highCoef;
    this.highAmp = highAmp;
    this.lowCoef = lowCoef;
    this.lowAmp = lowAmp;
    this.preLowCoef = preLowCoef;
    this.preHighCoef = preHighCoef;
    this.predelay = predelay;
    if (linesChange) this.prevDecay.set(this.decay);
  }

  /** The network in JavaScript (double precision; where the WebAssembly kernel is unavailable or unwanted). */
  private network(
    L: Float32Array,
    R: Float32Array,
    n: number,
    highCoef: number,
    highAmp: number,
    preLowCoef: number,
    preHighCoef: number,
    wet: number,
    dry: number,
    predelay: number,
    rc: number,
    rs: number,
  ): void {
    const inv = 1 / n;
    const cosv = this.cosv;
    const sinv = this.sinv;
    const x = this.x;
    const w = this.w;
    const mod = this.mod;
    const rows = this.rows;
    const cols = this.cols;
    const fb = this.fb;
    const lineSize = this.lineSize;
    const lineMask = this.lineMask;
    const ap = this.ap;
    const apSize = this.apSize;
    const apMask = this.apMask;
    const apDelay = this.apDelay;
    const lineDelay = this.lineDelay;
    const chorusAmount = this.chorusAmount;
    const decay = this.decay;
    const prevDecay = this.prevDecay;
    const lowState = this.lowState;
    const highState = this.highState;
    const pre = this.pre;
    const oL = this.out[0]!;
    const oR = this.out[1]!;
    const lc = this.lowCoef;
    const la = this.lowAmp;
    for (let i = 0; i < n; i++) {
      const t = (i + 1) * inv;
      const hc = this.highCoef + (highCoef - this.highCoef) * t;
      const ha = this.highAmp + (highAmp - this.highAmp) * t;
      const plc = this.preLowCoef + (preLowCoef - this.preLowCoef) * t;
      const phc = this.preHighCoef + (preHighCoef - this.preHighCoef) * t;
      // input band-limiting: difference of two one-pole low-passes, then ¼
      const inL = L[i]!;
      const inR = R[i]!;
      let d = phc * (inL - pre[2]!);
      const hpL = pre[2]! + d;
      pre[2] = hpL + d;
      d = plc * (inL - pre[0]!);
      const lpL = pre[0]! + d;
      pre[0] = lpL + d;
      d = phc * (inR - pre[3]!);
      const hpR = pre[3]! + d;
      pre[3] = hpR + d;
      d = plc * (inR - pre[1]!);
      const lpR = pre[1]! + d;
      pre[1] = lpR + d;
      const sL = (lpL - hpL) * 0.25;
      const sR = (lpR - hpR) * 0.25;
      // chorus: quadrature phasors per lane; groups 0/1 use ±cos, 2/3 use ±sin
      for (let j = 0; j < 4; j++) {
        const c0 = cosv[j]!;
        const s0 = sinv[j]!;
        const c1 = c0 * rc - s0 * rs;
        const s1 = s0 * rc + c0 * rs;
        cosv[j] = c1;
        sinv[j] = s1;
        const amt = chorusAmount[j]!;
        mod[j] = c1 * amt;
        mod[4 + j] = -c1 * amt;
        mod[8 + j] = s1 * amt;
        mod[12 + j] = -s1 * amt;
      }
      // read the lines (Catmull-Rom) and run the diffusers; each reads its stereo neighbour's buffer
      const apW = this.apPos;
      const fbW = this.fbPos;
      for (let li = 0; li < LINES; li++) {
        // Vital reads its lines one sample nearer than their nominal length (measured: 0.45 → 0.10 dB)
        const delay = lineDelay[li]! + mod[li]! - 1;
        const di = Math.floor(delay);
        const f = delay - di;
        const o = li * lineSize;
        const b = fbW - di;
        const y0 = fb[o + ((b + 1) & lineMask)]!;
        const y1 = fb[o + (b & lineMask)]!;
        const y2 = fb[o + ((b - 1) & lineMask)]!;
        const y3 = fb[o + ((b - 2) & lineMask)]!;
        const k1 = 0.5 * (y2 - y0);
        const k2 = y0 - 2.5 * y1 + 2 * y2 - 0.5 * y3;
        const k3 = 0.5 * (y3 - y0) + 1.5 * (y1 - y2);
        const fbRead = ((k3 * f + k2) * f + k1) * f + y1;
        const nb = li ^ 1;
        const apRead = ap[nb * apSize + ((apW - apDelay[nb]!) & apMask)]!;
        const apIn = fbRead - apRead * ALLPASS_GAIN;
        w[li] = ((li & 1) === 0 ? sL : sR) + apIn;
        x[li] = apRead + apIn * ALLPASS_GAIN;
      }
      for (let li = 0; li < LINES; li++) ap[li * apSize + apW] = w[li]!;
      this.apPos = (apW + 1) & apMask;
      // Householder ⊗ Householder mix: x − ½·row − ½·column + ¼·total
      householderSums(x, rows, cols);
      const total = rows[0]! + rows[1]! + rows[2]! + rows[3]!;
      let outL = 0;
      let outR = 0;
      for (let li = 0; li < LINES; li++) {
        let y = x[li]! - 0.5 * rows[li >> 2]! - 0.5 * cols[li & 3]! + 0.25 * total;
        // high shelf then low shelf (one-pole low-passes)
        let dd = hc * (y - highState[li]!);
        const hl = highState[li]! + dd;
        highState[li] = hl + dd;
        y = hl + ha * (y - hl);
        dd = lc * (y - lowState[li]!);
        const ll = lowState[li]! + dd;
        lowState[li] = ll + dd;
        y -= ll * la;
        const store = (prevDecay[li]! + (decay[li]! - prevDecay[li]!) * t) * y;
        fb[li * lineSize + fbW] = store;
        w[li] = store;
        if ((li & 1) === 0) outL += y;
        else outR += y;
      }
      this.fbPos = (fbW + 1) & lineMask;
      // feed-forward of the stored values through the same mix, weighted by the decays, ⅛
      householderSums(w, rows, cols);
      const ffTotal = rows[0]! + rows[1]! + rows[2]! + rows[3]!;
      for (let li = 0; li < LINES; li++) {
        const ff = w[li]! - 0.5 * rows[li >> 2]! - 0.5 * cols[li & 3]! + 0.25 * ffTotal;
        const g = (prevDecay[li]! + (decay[li]! - prevDecay[li]!) * t) * 0.125;
        if ((li & 1) === 0) outL += ff * g;
        else outR += ff * g;
      }
      const pd = this.predelay + (predelay - this.predelay) * (i * inv);
      const rl = oL.read(pd);
      const rr = oR.read(pd);
      oL.push(outL);
      oR.push(outR);
      const we = this.wet + (wet - this.wet) * t;
      const dr = this.dry + (dry - this.dry) * t;
      L[i] = we * rl + dr * inL;
      R[i] = we * rr + dr * inR;
    }
    for (let k = 0; k < 4; k++) pre[k] = flush(pre[k]!);
    for (let li = 0; li < LINES; li++) {
      highState[li] = flush(highState[li]!);
      lowState[li] = flush(lowState[li]!);
    }
  }
}

/** Values computed from one number, recomputed only when that number changes. */
class Memo {
  private readonly from: Float64Array;
  private readonly value: Float64Array;

  constructor(slots: number) {
    this.from = new Float64Array(slots).fill(NaN);
    this.value = new Float64Array(slots);
  }

  /** `f(x, arg)`, from slot `slot` when x is the number it was last computed from. */
  get(slot: number, x: number, f: (x: number, arg: number) => number, arg = 0): number {
    if (x !== this.from[slot]) {
      this.from[slot] = x;
      this.value[slot] = f(x, arg);
    }
    return this.value[slot]!;
  }
}

function lowShelfAmount(db: number): number {
  return 1 - Math.pow(10, clamp(db, -24, 0) / 20);
}

function highShelfAmplitude(db: number): number {
  return Math.pow(10, clamp(db, -24, 0) / 20);
}

/** The chorus's largest line-length offset at `reverb_chorus_amount` (samples at 44.1 kHz, before the size). */
function chorusDrift(amount: number): number {
  return clamp(amount * amount, 0, 1) * MAX_CHORUS_DRIFT;
}

/**
 * A power of two above the longest delay a line of base length `length` reads (its chorus drift included, at the
 * size multiplier and rate ratio given), with room for the interpolation and a block's reads.
 */
function memorySize(length: number, drift: number, sizeMult: number, rateRatio: number): number {
  const longest = Math.ceil((length + drift) * sizeMult * rateRatio) + 16;
  let size = 4;
  while (size < longest) size <<= 1;
  return size;
}

function chorusFrequency(value: number): number {
  return clamp(Math.pow(2, value), 0, MAX_CHORUS_HZ);
}

/** Line-length multiplier of `reverb_size`: 2^(4·size − 3). */
function sizeMultiplier(size: number): number {
  return Math.pow(2, clamp(size, 0, 1) * 4 - 3);
}

function coefficient(note: number, sampleRate: number): number {
  return onePoleCoefficient(midiToHz(clamp(note, 0, 130)), sampleRate);
}

/** Row (group) and column (lane) sums of 16 values arranged 4 × 4. */
function householderSums(v: Float64Array, rows: Float64Array, cols: Float64Array): void {
  for (let k = 0; k < 4; k++) rows[k] = v[k * 4]! + v[k * 4 + 1]! + v[k * 4 + 2]! + v[k * 4 + 3]!;
  for (let j = 0; j < 4; j++) cols[j] = v[j]! + v[4 + j]! + v[8 + j]! + v[12 + j]!;
}
